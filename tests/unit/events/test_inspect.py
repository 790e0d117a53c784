"""The report `mfe events` prints."""

from __future__ import annotations

from shared.events.inspect import EventsReport, GroupStats, StreamStats


def report(dead: int = 0, lag: float = 0.5) -> EventsReport:
    return EventsReport(
        streams=[
            StreamStats(
                "events:payment.created",
                1000,
                [GroupStats("audit", 2, 0, 0), GroupStats("ledger", 1, 3, None)],
            )
        ],
        dead_letters={"audit": dead},
        outbox_unpublished=2,
        outbox_lag_seconds=lag,
    )


def test_the_table_shows_streams_groups_dead_letters_and_outbox() -> None:
    text = report().render()

    assert "events:payment.created" in text
    assert "audit" in text and "ledger" in text
    assert "dead letters: audit: 0" in text
    assert "outbox: 2 unpublished" in text
    assert text.endswith("status: healthy")


def test_dead_letters_or_an_old_backlog_need_attention() -> None:
    assert not report(dead=1).healthy
    assert not report(lag=120).healthy
    assert report().as_dict()["healthy"] is True
    assert report().as_dict()["streams"][0]["groups"][1]["pending"] == 3
