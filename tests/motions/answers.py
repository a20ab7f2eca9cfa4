"""The REST answers the motions scenario (tests/motions/test_api.py) checks
against the schema; tests/test_payloads.py counts them for coverage."""

from __future__ import annotations


def _answers(text: str) -> set[str]:
    return {" ".join(line.split()) for line in text.strip().splitlines()}


MOTIONS_ANSWERS = _answers(
    """
    GET /api/meetings/{meeting_id}/motions/ 200
    POST /api/meetings/{meeting_id}/motions/ 201
    GET /api/meetings/{meeting_id}/motion-settings/ 200
    PUT /api/meetings/{meeting_id}/motion-settings/ 200
    POST /api/meetings/{meeting_id}/motion-projection/ 204
    GET /api/meetings/{meeting_id}/resolution/ 200
    POST /api/meetings/{meeting_id}/resolution/ 200
    POST /api/meetings/{meeting_id}/resolution/vote/ 200
    GET /api/motions/{motion_id}/ 200
    POST /api/motions/{motion_id}/support/ 200
    POST /api/motions/{motion_id}/admit/ 200
    POST /api/motions/{motion_id}/vote/ 200
    POST /api/motions/{motion_id}/withdraw/ 200
    POST /api/motions/{motion_id}/refer/ 200
    POST /api/motions/{motion_id}/amendments/ 201
    POST /api/amendments/{amendment_id}/vote/ 200
    POST /api/amendments/{amendment_id}/withdraw/ 200
    """
)
