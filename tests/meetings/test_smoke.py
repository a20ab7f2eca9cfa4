from meetings import services
from meetings.models import AgendaItem


def test_start_and_advance(world):
    services.meeting_start(actor=world.chair, meeting=world.meeting)
    item = services.agenda_advance(actor=world.chair, meeting=world.meeting, direction="next")
    assert item.title == "Item 2"
    assert AgendaItem.objects.filter(meeting=world.meeting, state="current").count() == 1
