"""The officer pages through Django's test client: a union's office (meetings,
create, copy, CSV import with its dry run and row errors) and a meeting's
preparation page (details, roster, proxies). Each form calls the service; a
refusal shows its sentence and changes nothing."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from meetings.models import Meeting, Member, Participant, Proxy
from tests.conftest import World
from tests.factories import MemberFactory, MembershipFactory


def logged_in(member: Member) -> Client:
    client = Client()
    client.force_login(member)
    return client


def office(world: World) -> str:
    return f"/unions/{world.union.pk}/office/"


def prepare(meeting: Meeting) -> str:
    return f"/meetings/{meeting.pk}/prepare/"


def csv_file(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("members.csv", text.encode(), "text/csv")


def test_only_officers_open_the_union_office(world: World) -> None:
    page = logged_in(world.chair).get(office(world))  # the chair is an officer
    assert page.status_code == 200
    text = page.content.decode()
    assert world.meeting.title in text and "Create a meeting" in text
    assert logged_in(world.clerk).get(office(world)).status_code == 403
    assert logged_in(world.outsider).get(office(world)).status_code == 404
    home = logged_in(world.chair).get("/").content.decode()
    assert office(world) in home
    assert office(world) not in logged_in(world.clerk).get("/").content.decode()


def test_an_officer_creates_a_meeting_and_lands_on_its_preparation(world: World) -> None:
    client = logged_in(world.chair)
    response = client.post(
        office(world),
        {
            "action": "create",
            "title": "Congress",
            "starts_at": "2027-03-01T09:30",
            "location": "Hall A",
            "livestream_url": "",
        },
    )
    meeting = Meeting.objects.get(title="Congress")
    assert response.status_code == 302 and response["Location"] == prepare(meeting)
    assert meeting.location == "Hall A"
    assert Participant.objects.get(meeting=meeting, member=world.chair).role == "chair"
    refused = client.post(office(world), {"action": "create", "title": "", "starts_at": ""})
    assert refused.status_code == 400
    assert "Enter the date and time the meeting starts." in refused.content.decode()


def test_an_officer_copies_a_meeting(world: World) -> None:
    response = logged_in(world.chair).post(
        office(world),
        {
            "action": "copy",
            "source": world.meeting.pk,
            "title": "Next year",
            "starts_at": "2027-05-01T08:00",
        },
    )
    copy = Meeting.objects.get(title="Next year")
    assert response["Location"] == prepare(copy)
    assert copy.agenda_items.count() == 3
    assert copy.participants.count() == world.meeting.participants.count()


def test_the_csv_import_checks_then_imports(world: World) -> None:
    client = logged_in(world.chair)
    bad = client.post(
        office(world),
        {
            "action": "import",
            "dry_run": "1",
            "file": csv_file("member_number,full_name,weight\nN-1,,1\nN-2,Lê Thị B,heavy\n"),
        },
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "2 problems found; nothing was imported." in text
    assert "<td>2</td>" in text and "<td>3</td>" in text  # the lines of the bad rows
    good = "member_number,full_name\nN-1,Nguyễn Văn A\nN-2,Lê Thị B\n"
    checked = client.post(
        office(world), {"action": "import", "dry_run": "1", "file": csv_file(good)}
    )
    assert "The file is good: 2 members would be imported." in checked.content.decode()
    assert not Member.objects.filter(member_number="N-1").exists()
    done = client.post(office(world), {"action": "import", "file": csv_file(good)})
    assert "2 new members imported." in done.content.decode()
    assert Member.objects.filter(member_number__in=["N-1", "N-2"]).count() == 2
    refused = logged_in(world.clerk).post(
        office(world), {"action": "import", "file": csv_file(good)}
    )
    assert refused.status_code == 403


def test_the_chair_prepares_details_roster_and_proxies(world: World) -> None:
    client = logged_in(world.chair)
    url = prepare(world.meeting)
    page = client.get(url)
    assert page.status_code == 200
    details = client.post(
        url,
        {
            "action": "details",
            "title": "Annual meeting",
            "starts_at": "2027-01-10T14:00",
            "location": "Hall B",
            "livestream_url": "https://example.org/live.m3u8",
            "board_public": "1",
        },
    )
    assert "Meeting details saved." in details.content.decode()
    world.meeting.refresh_from_db()
    assert (world.meeting.title, world.meeting.location, world.meeting.board_public) == (
        "Annual meeting",
        "Hall B",
        True,
    )

    newcomer = MemberFactory.create(full_name="Người mới")
    MembershipFactory.create(member=newcomer, union=world.union)
    added = client.post(
        url, {"action": "add", "member": [newcomer.pk], "role": "guest", "vote_weight": ""}
    )
    assert "1 member added to the roster." in added.content.decode()
    guest = Participant.objects.get(meeting=world.meeting, member=newcomer)
    assert guest.role == "guest"
    client.post(
        url, {"action": "update", "participant": guest.pk, "role": "voter", "vote_weight": "2.5"}
    )
    guest.refresh_from_db()
    assert (guest.role, str(guest.vote_weight)) == ("voter", "2.5000")
    bad_weight = client.post(
        url, {"action": "update", "participant": guest.pk, "role": "voter", "vote_weight": "-1"}
    )
    assert bad_weight.status_code == 400
    assert "The vote weight must be zero or more." in bad_weight.content.decode()

    a, b = world.participant(world.voters[0]), world.participant(world.voters[1])
    client.post(url, {"action": "proxy", "delegator": a.pk, "delegate": b.pk})
    proxy = Proxy.objects.get(meeting=world.meeting, revoked_at__isnull=True)
    assert (proxy.delegator_id, proxy.delegate_id) == (a.pk, b.pk)
    client.post(url, {"action": "revoke", "proxy": proxy.pk})
    proxy.refresh_from_db()
    assert proxy.revoked_at is not None

    removed = client.post(url, {"action": "remove", "participant": guest.pk})
    assert "removed from the roster" in removed.content.decode()
    assert not Participant.objects.filter(pk=guest.pk).exists()


def test_a_clerk_cannot_prepare(world: World) -> None:
    url = prepare(world.meeting)
    assert logged_in(world.clerk).get(url).status_code == 403
    refused = logged_in(world.clerk).post(url, {"action": "details", "title": "Mine"})
    assert refused.status_code == 403
    world.meeting.refresh_from_db()
    assert world.meeting.title != "Mine"
