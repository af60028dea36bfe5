import hashlib
import hmac

from integrations.signing import sign, verify


def test_it_signs_timestamp_dot_body_with_hmac_sha256():
    header = sign("s3cret", b'{"a":1}', 1763783333)
    expected = hmac.new(b"s3cret", b'1763783333.{"a":1}', hashlib.sha256).hexdigest()
    assert header == f"t=1763783333,v1={expected}"


def test_it_verifies_and_refuses_tampering_wrong_secret_missing_and_stale():
    body = b'{"order_number":"A1"}'
    header = sign("s3cret", body, 1000)
    assert verify("s3cret", body, header, max_skew=300, now=1100) == ""
    assert verify("s3cret", body + b" ", header, max_skew=300, now=1100) == "bad_signature"
    assert verify("other", body, header, max_skew=300, now=1100) == "bad_signature"
    assert verify("s3cret", body, "", max_skew=300, now=1100) == "missing_signature"
    assert verify("s3cret", body, "t=1000", max_skew=300, now=1100) == "missing_signature"
    assert verify("s3cret", body, header, max_skew=300, now=1000 + 301) == "stale_timestamp"
    assert verify("s3cret", body, header, max_skew=300, now=1000 - 301) == "stale_timestamp"
