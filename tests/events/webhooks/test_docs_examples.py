"""The signature checks of docs/partners/webhooks.md, in Python and JavaScript, on our messages."""

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from events.webhooks.signing import secret_generate, signed_headers
from tests.docs.examples import snippet

PAGE = "partners/webhooks.md"


def _message(*secrets: str, age: dt.timedelta = dt.timedelta(0)) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"type": "treatment.withdrawn", "data": {"sequence": 7}}).encode()
    headers = signed_headers(
        secrets=list(secrets), message_id="msg_doc", timestamp=timezone.now() - age, body=body
    )
    return body, headers


def _python_verify() -> Any:
    namespace: dict[str, Any] = {}
    exec(snippet(PAGE, "### Python", "python"), namespace)
    return namespace["verify_webhook"], namespace["WebhookVerificationError"]


def test_the_python_example_verifies_our_messages_and_refuses_forgeries() -> None:
    verify, error = _python_verify()
    secret, other = secret_generate(), secret_generate()
    body, headers = _message(secret)
    assert verify(secret, body, headers)["data"] == {"sequence": 7}
    with pytest.raises(error):
        verify(other, body, headers)
    with pytest.raises(error):
        verify(secret, body.replace(b"7", b"8"), headers)
    with pytest.raises(error):
        verify(secret, *_message(secret, age=dt.timedelta(minutes=10)))
    # During a rotation both secrets sign: either one verifies.
    both = _message(other, secret)
    assert verify(secret, *both) and verify(other, *both)


NODE_DRIVER = """
const { verifyWebhook } = require(process.argv[2]);
const cases = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
const out = cases.map(({ secret, body, headers }) => {
  try { return verifyWebhook(secret, Buffer.from(body, "base64"), headers).data.sequence; }
  catch (error) { return String(error.message); }
});
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")
def test_the_javascript_example_verifies_our_messages_and_refuses_forgeries(
    tmp_path: Path,
) -> None:
    module = tmp_path / "verify.js"
    module.write_text(snippet(PAGE, "### JavaScript", "javascript"))
    driver = tmp_path / "driver.js"
    driver.write_text(NODE_DRIVER)
    secret, other = secret_generate(), secret_generate()
    good = _message(secret)
    old = _message(secret, age=dt.timedelta(minutes=10))
    rotated = _message(other, secret)

    def case(key: str, message: tuple[bytes, dict[str, str]], body: bytes | None = None) -> Any:
        import base64

        return {
            "secret": key,
            "body": base64.b64encode(body if body is not None else message[0]).decode(),
            "headers": message[1],
        }

    cases = [
        case(secret, good),
        case(other, good),
        case(secret, good, body=good[0].replace(b"7", b"8")),
        case(secret, old),
        case(secret, rotated),
        case(other, rotated),
    ]
    result = subprocess.run(
        ["node", str(driver), str(module)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert json.loads(result.stdout) == [
        7,
        "No matching signature",
        "No matching signature",
        "Timestamp too old or too new",
        7,
        7,
    ]
