"""Member CSV import: the service, the REST endpoint and the management command."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from core.exceptions import NotAllowed
from meetings import services
from meetings.management.commands.import_members import Command
from meetings.models import Member, Membership
from tests.conftest import World
from tests.factories import MemberFactory, MembershipFactory, UnionFactory

pytestmark = pytest.mark.django_db

HEADER = "member_number,full_name,phone,email,language,weight\n"
GOOD = (
    HEADER
    + "N001,Nguyễn Thị Hồng Nhung,0901234567,nhung@example.org,vi,1\n"
    + "N002,محمد عبد الله,+201001234567,mohamed@example.org,ar,2.5\n"
    + "N003,Jane Doe,,,,\n"
)
NAMES = {"N001": "Nguyễn Thị Hồng Nhung", "N002": "محمد عبد الله", "N003": "Jane Doe"}


def imported(world: World) -> set[str]:
    """Member numbers of the union's members that were not there before."""
    before = {m.member_number for m in [world.chair, world.clerk, *world.voters]}
    numbers = Membership.objects.filter(union=world.union).values_list(
        "member__member_number", flat=True
    )
    return set(numbers) - before


def run(world: World, csv: str | bytes, *, dry_run: bool = False) -> Any:
    data = csv.encode() if isinstance(csv, str) else csv
    return services.members_import(actor=world.chair, union=world.union, data=data, dry_run=dry_run)


def only_error(report: Any) -> Any:
    assert not report.ok
    assert len(report.errors) == 1, report.errors
    return report.errors[0]


# --- the service ------------------------------------------------------------


def test_import_creates_members_and_memberships(world: World) -> None:
    report = run(world, GOOD)
    assert report.ok and report.created == 3
    assert imported(world) == {"N001", "N002", "N003"}
    nhung = Member.objects.get(member_number="N001")
    assert nhung.full_name == NAMES["N001"]
    assert nhung.preferred_language == "vi"
    assert nhung.phone == "0901234567"
    assert not nhung.has_usable_password()
    mohamed = Membership.objects.get(member__member_number="N002", union=world.union)
    assert mohamed.member.full_name == NAMES["N002"]
    assert mohamed.vote_weight == Decimal("2.5")
    assert mohamed.role == Membership.Role.MEMBER
    jane = Member.objects.get(member_number="N003")
    assert jane.preferred_language == "en"  # the default
    assert Membership.objects.get(member=jane).vote_weight == Decimal(1)


def test_dry_run_writes_nothing(world: World) -> None:
    count = Member.objects.count()
    report = run(world, GOOD, dry_run=True)
    assert report.ok and report.created == 0
    assert [row["full_name"] for row in report.as_dict()["preview"]] == list(NAMES.values())
    assert Member.objects.count() == count
    assert imported(world) == set()


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("N010,,,,,", "full_name", "name"),
        (",Someone,,,,", "member_number", "number"),
        ("N010,Someone,,not-an-email,,", "email", "not-an-email"),
        ("N010,Someone,,,fr,", "language", "fr"),
        ("N010,Someone,,,,abc", "weight", "abc"),
        ("N010,Someone,,,,-1", "weight", "-1"),
        ("N010,Someone,,,,1.23456", "weight", "1.23456"),
        ("N010,Someone,,,,NaN", "weight", "NaN"),
        ("N010,Someone,,,,1e30", "weight", "1e30"),
        ("N010," + "x" * 201 + ",,,,", "full_name", "200"),
    ],
)
def test_bad_row_is_reported_with_line_and_nothing_imported(
    world: World, row: str, column: str, words: str
) -> None:
    # The bad row sits between good ones: all or nothing.
    csv = HEADER + "N001,Good One,,,,\n" + row + "\n" + "N002,Good Two,,,,\n"
    error = only_error(run(world, csv))
    assert (error.line, error.column) == (3, column)
    assert words in error.message
    assert imported(world) == set()


def test_duplicate_number_in_file(world: World) -> None:
    csv = HEADER + "N001,A,,,,\nN002,B,,,,\nN001,C,,,,\n"
    error = only_error(run(world, csv))
    assert (error.line, error.column) == (4, "member_number")
    assert "line 2" in error.message
    assert imported(world) == set()


def test_duplicate_number_already_in_union(world: World) -> None:
    taken = world.voters[0].member_number
    error = only_error(run(world, HEADER + f"N001,A,,,,\n{taken},B,,,,\n"))
    assert (error.line, error.column) == (3, "member_number")
    assert taken in error.message
    assert imported(world) == set()


def test_same_number_in_another_union_is_fine(world: World) -> None:
    report = run(world, HEADER + f"{world.outsider.member_number},Someone Else,,,,\n")
    assert report.ok and report.created == 1


def test_missing_column(world: World) -> None:
    error = only_error(run(world, "member_number,phone\nN001,123\n"))
    assert error.line == 1
    assert error.column == "full_name"
    assert "full_name" in error.message


def test_unknown_column_is_refused_not_dropped(world: World) -> None:
    error = only_error(run(world, "member_number,full_name,wieght\nN001,A,2\n"))
    assert error.line == 1 and error.column == "wieght"
    assert imported(world) == set()


def test_not_utf8(world: World) -> None:
    data = (HEADER + "N001,José Ñúñez,,,,\n").encode("latin-1")
    error = only_error(run(world, data))
    assert error.line == 0
    assert "UTF-8" in error.message
    assert imported(world) == set()


def test_nul_characters_are_refused(world: World) -> None:
    # UTF-16 without a BOM decodes as "UTF-8" full of NULs; PostgreSQL cannot store NUL.
    for data in [
        (HEADER + "N001,A\x00B,,,,\n").encode(),
        (HEADER + "N001,A,,,,\n").encode("utf-16-le"),
    ]:
        error = only_error(run(world, data))
        assert error.line == 0
        assert "NUL" in error.message
    assert imported(world) == set()


def test_empty_file(world: World) -> None:
    assert only_error(run(world, "")).line == 1
    assert "no member rows" in only_error(run(world, HEADER)).message


def test_every_bad_row_is_listed(world: World) -> None:
    csv = HEADER + ",No Number,,,,\nN002,,,,,\nN003,Fine,,,,\nN004,Bad Mail,,x@,,\n"
    report = run(world, csv)
    assert [(e.line, e.column) for e in report.errors] == [
        (2, "member_number"),
        (3, "full_name"),
        (5, "email"),
    ]
    assert imported(world) == set()


def test_bom_blank_lines_and_header_spelling(world: World) -> None:
    csv = "\ufeffMember Number, Full Name ,Language\r\nN001,Trần Văn An,VI\r\n\r\nN002,علي,ar\r\n"
    report = run(world, csv)
    assert report.ok, report.errors
    assert Member.objects.get(member_number="N001").preferred_language == "vi"
    assert Member.objects.get(member_number="N002").full_name == "علي"


def test_login_names_do_not_collide(world: World) -> None:
    code = world.union.code
    MemberFactory.create(username="N001")
    MemberFactory.create(username=f"{code}.N001")
    report = run(world, HEADER + "N001,Someone,,,,\nN002,Other,,,,\n")
    assert report.ok, report.errors
    assert Member.objects.get(member_number="N001", full_name="Someone").username == (
        f"{code}.N001.2"
    )
    assert Member.objects.get(member_number="N002").username == "N002"


def test_only_officers_import(world: World) -> None:
    with pytest.raises(NotAllowed):
        services.members_import(actor=world.clerk, union=world.union, data=GOOD.encode())
    assert imported(world) == set()


# --- the REST endpoint ------------------------------------------------------


def url(world: World, *, dry_run: bool = False) -> str:
    return f"/api/unions/{world.union.pk}/members/import/" + ("?dry_run=1" if dry_run else "")


def upload(client: APIClient, target: str, content: bytes) -> Any:
    file = SimpleUploadedFile("members.csv", content, content_type="text/csv")
    return client.post(target, {"file": file}, format="multipart")


def logged_in(member: Member) -> APIClient:
    client = APIClient()
    client.force_login(member)
    return client


def test_api_import_multipart(world: World) -> None:
    response = upload(logged_in(world.chair), url(world), GOOD.encode())
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ok"] is True and body["created"] == 3 and body["errors"] == []
    assert imported(world) == {"N001", "N002", "N003"}
    # The names come back unchanged through the member list.
    listing = logged_in(world.chair).get(f"/api/unions/{world.union.pk}/members/").json()
    names = {row["member_number"]: row["full_name"] for row in listing}
    assert {n: names[n] for n in NAMES} == NAMES


def test_api_import_raw_csv_body(world: World) -> None:
    response = logged_in(world.chair).post(
        url(world), data=GOOD.encode(), content_type="text/csv; charset=utf-8"
    )
    assert response.status_code == 201, response.content
    assert response.json()["created"] == 3


def test_api_dry_run(world: World) -> None:
    response = upload(logged_in(world.chair), url(world, dry_run=True), GOOD.encode())
    assert response.status_code == 200
    body = response.json()
    assert body["dry_run"] is True and body["rows"] == 3 and body["created"] == 0
    assert [row["full_name"] for row in body["preview"]] == list(NAMES.values())
    assert body["preview"][1]["weight"] == "2.5"
    assert imported(world) == set()


def test_api_bad_rows_give_400_with_report(world: World) -> None:
    csv = HEADER + "N001,Good,,,,\nN002,,,,,\nN003,Bad,,,,heavy\n"
    response = upload(logged_in(world.chair), url(world), csv.encode())
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["created"] == 0
    assert body["code"] == "import_invalid"
    assert "nothing was imported" in body["detail"]
    assert [(e["line"], e["column"]) for e in body["errors"]] == [(3, "full_name"), (4, "weight")]
    assert imported(world) == set()


def test_api_non_utf8_gives_400(world: World) -> None:
    response = upload(logged_in(world.chair), url(world), "N001,Zoë\n".encode("utf-16"))
    assert response.status_code == 400
    assert "UTF-8" in response.json()["errors"][0]["message"]


def test_api_missing_file(world: World) -> None:
    response = logged_in(world.chair).post(url(world), {}, format="multipart")
    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_api_unsupported_content_type(world: World) -> None:
    response = logged_in(world.chair).post(url(world), {"csv": GOOD}, format="json")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"


def test_api_refuses_oversized_files(world: World, monkeypatch: Any) -> None:
    monkeypatch.setattr("meetings.api.views.MAX_IMPORT_BYTES", 100)
    big = (HEADER + "N001,A,,,,\n" * 20).encode()
    body = logged_in(world.chair).post(url(world), data=big, content_type="text/csv").json()
    assert body["code"] == "parse_error"
    assert "larger than" in body["detail"]
    response = upload(logged_in(world.chair), url(world), big)
    assert response.status_code == 400
    assert "file" in response.json()["errors"]
    assert imported(world) == set()


def test_api_permissions(world: World) -> None:
    assert upload(logged_in(world.clerk), url(world), GOOD.encode()).status_code == 403
    assert upload(logged_in(world.outsider), url(world), GOOD.encode()).status_code == 404
    assert upload(APIClient(), url(world), GOOD.encode()).status_code == 401
    missing = f"/api/unions/{UnionFactory.create().pk + 1000}/members/import/"
    assert upload(logged_in(world.chair), missing, GOOD.encode()).status_code == 404
    assert imported(world) == set()


# --- the management command -------------------------------------------------


def write_csv(tmp_path: Path, content: str | bytes) -> str:
    path = tmp_path / "members.csv"
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    return str(path)


def command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_members", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_command_imports(world: World, tmp_path: Path) -> None:
    out, _err = command(write_csv(tmp_path, GOOD), "--union", str(world.union.pk))
    assert "Imported 3 members" in out
    assert imported(world) == {"N001", "N002", "N003"}
    assert Member.objects.get(member_number="N002").full_name == NAMES["N002"]


def test_command_takes_union_code_and_actor(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path, GOOD)
    command(path, "--union", world.union.code, "--actor", world.chair.username)
    assert imported(world) == {"N001", "N002", "N003"}


def test_command_dry_run(world: World, tmp_path: Path) -> None:
    out, _err = command(write_csv(tmp_path, GOOD), "--union", str(world.union.pk), "--dry-run")
    assert "Dry run: 3 members" in out
    assert NAMES["N001"] in out
    assert imported(world) == set()


def test_command_bad_file_fails_and_lists_rows(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path, HEADER + "N001,,,,,\nN002,B,,,,x\n")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_members", path, "--union", str(world.union.pk), stderr=err)
    assert "line 2 [full_name]" in err.getvalue()
    assert "line 3 [weight]" in err.getvalue()
    assert imported(world) == set()


def test_command_exit_status(world: World, tmp_path: Path, monkeypatch: Any) -> None:
    # run_from_argv closes the database connections when done; keep the test's.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    path = write_csv(tmp_path, (HEADER + "N001,Jöhn,,,,\n").encode("latin-1"))
    cmd = Command(stdout=StringIO(), stderr=StringIO())
    with pytest.raises(SystemExit) as exit_info:
        cmd.run_from_argv(["manage.py", "import_members", path, "--union", str(world.union.pk)])
    assert exit_info.value.code == 1
    good = write_csv(tmp_path, GOOD)
    Command(stdout=StringIO(), stderr=StringIO()).run_from_argv(
        ["manage.py", "import_members", good, "--union", str(world.union.pk)]
    )  # no SystemExit: status 0
    assert imported(world) == {"N001", "N002", "N003"}


def test_command_refuses_non_officer_actor(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path, GOOD)
    with pytest.raises(CommandError, match="officers"):
        command(path, "--union", str(world.union.pk), "--actor", world.clerk.username)
    with pytest.raises(CommandError, match="nobody"):
        command(path, "--union", str(world.union.pk), "--actor", "nobody")
    assert imported(world) == set()


def test_command_unknown_union_or_file(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No union"):
        command(write_csv(tmp_path, GOOD), "--union", "no-such-union")
    with pytest.raises(CommandError, match="Cannot read"):
        command(str(tmp_path / "missing.csv"), "--union", str(world.union.pk))


def test_command_union_without_officer_needs_actor(db: None, tmp_path: Path) -> None:
    union = UnionFactory.create()
    MembershipFactory.create(union=union)  # a plain member, no officer; no superuser exists
    with pytest.raises(CommandError, match="--actor"):
        command(write_csv(tmp_path, GOOD), "--union", str(union.pk))
    admin = MemberFactory.create(is_superuser=True)
    command(write_csv(tmp_path, GOOD), "--union", str(union.pk))
    assert Membership.objects.filter(union=union).count() == 4
    assert not Membership.objects.filter(member=admin).exists()
