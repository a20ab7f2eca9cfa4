"""The meeting pack (every document in one ZIP) is linked where members and
the chair read documents, and the link downloads it."""

from __future__ import annotations

from django.test import Client

from meetings.models import Member
from tests.conftest import World


def page(member: Member, url: str) -> str:
    client = Client()
    client.force_login(member)
    return client.get(url).content.decode()


def test_member_and_chair_pages_link_the_meeting_pack(world: World) -> None:
    meeting = world.meeting
    pack = f"/api/meetings/{meeting.pk}/documents/pack.zip"
    assert f'href="{pack}"' in page(world.voters[0], f"/meetings/{meeting.pk}/")
    assert f'href="{pack}"' in page(world.chair, f"/meetings/{meeting.pk}/chair/")
    assert "Download all documents (ZIP)" in page(world.voters[0], f"/meetings/{meeting.pk}/")
    client = Client()
    client.force_login(world.voters[0])
    response = client.get(pack)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
