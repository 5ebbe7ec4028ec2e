"""Error body parsing (api.md §3.2 shapes A, B, C and non-JSON) and safe messages."""

import json

import pytest

from partner_center import errors


def _err(status, body, headers=None, **sent):
    raw = json.dumps(body).encode() if not isinstance(body, (bytes, str)) else body
    return errors.error_from_response(status, headers or {}, raw, **sent)


def test_shape_a_classic_fault():
    err = _err(
        400,
        {"code": 800090, "description": "Subscription quantity cannot be decreased.", "data": [],
         "source": "PartnerFD"},
        {"MS-RequestId": "req-1", "MS-CorrelationId": "corr-1"},
    )
    assert isinstance(err, errors.BadRequestError)
    assert (err.status, err.code, err.source) == (400, 800090, "PartnerFD")
    assert err.description == "Subscription quantity cannot be decreased."
    assert (err.request_id, err.correlation_id) == ("req-1", "corr-1")
    assert "800090" in str(err) and "corr-1" in str(err)


def test_shape_a_string_code_and_data_string():
    err = _err(400, {"code": "60012", "description": "No licenses left", "data": "sku-1"})
    assert err.code == 60012 and err.data == ["sku-1"]


def test_shape_b_newer_services():
    body = {
        "code": 600061,
        "message": "A partner confirmed agreement already exists for the customer.",
        "description": "A partner confirmed agreement already exists for the customer.",
        "errorName": "PartnerConfirmedAgreementAlreadyExists",
        "isRetryable": False,
        "parameters": {},
    }
    err = _err(409, body)
    assert isinstance(err, errors.ConflictError)
    assert err.error_name == "PartnerConfirmedAgreementAlreadyExists"
    assert err.is_retryable is False and err.code == 600061


def test_shape_c_gateway_with_retry_after():
    err = _err(429, {"statusCode": 429, "message": "Rate limit is exceeded. Try again in 57 seconds."},
               {"Retry-After": "57"})
    assert isinstance(err, errors.ThrottledError)
    assert err.retry_after == 57.0 and err.code is None
    assert err.description.startswith("Rate limit is exceeded")
    assert "57 seconds" in err.plain()


def test_non_json_body_falls_back_to_text_and_sent_ids():
    err = _err(502, b"<html>Bad gateway</html>", sent_request_id="sent-req", sent_correlation_id="sent-corr")
    assert isinstance(err, errors.ServerError)
    assert err.description == "<html>Bad gateway</html>"
    assert (err.request_id, err.correlation_id) == ("sent-req", "sent-corr")


@pytest.mark.parametrize(
    ("status", "cls"),
    [(401, errors.AuthenticationError), (403, errors.PermissionDeniedError), (404, errors.NotFoundError),
     (412, errors.PreconditionFailedError), (417, errors.PreconditionFailedError), (503, errors.ServerError),
     (405, errors.PartnerCenterError)],
)
def test_status_maps_to_class(status, cls):
    err = _err(status, b"")
    assert type(err) is cls and err.status == status
    assert err.plain()


def test_str_is_single_line_and_redacts_bearer_tokens():
    err = _err(400, {"code": 1, "description": "bad\nheader Authorization: Bearer abc.def-ghi\r\n"})
    assert "\n" not in str(err) and "abc.def-ghi" not in str(err)
    assert "abc.def-ghi" not in repr(err)


def test_description_is_bounded():
    err = _err(400, {"code": 1, "description": "x" * 5000})
    assert len(err.description) == 1024


def test_http_date_retry_after():
    assert errors.parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
    assert errors.parse_retry_after("garbage") is None
    assert errors.parse_retry_after("2.5") == 2.5
