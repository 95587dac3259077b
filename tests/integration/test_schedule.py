"""Claims and leases on a real database (SQLite, and PostgreSQL when available)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from versiontrack.store import articles, schedule, sources
from versiontrack.store.engine import make_engine, session_factory
from versiontrack.store.schema import ArticleRow

NOW = datetime(2024, 11, 1, 12, 0, tzinfo=UTC)


def setup(url: str, due: int, later: int = 0):
    engine = make_engine(url)
    sessions = session_factory(engine)
    with sessions() as session, session.begin():
        for i in range(due):
            articles.add_article(
                session, f"https://example.org/due/{i}", now=NOW - timedelta(minutes=i)
            )
        for i in range(later):
            a = articles.add_article(session, f"https://example.org/later/{i}", now=NOW)
            a.next_check_at = NOW + timedelta(hours=1)
    return engine, sessions


def claim(sessions, owner: str, **kw) -> list[int]:
    with sessions() as session, session.begin():
        return schedule.claim_due(
            session, now=kw.pop("now", NOW), owner=owner, lease_seconds=60, **kw
        )


def test_claims_are_disjoint_most_overdue_first_and_leases_expire(any_db_url: str) -> None:
    engine, sessions = setup(any_db_url, due=5, later=2)
    first = claim(sessions, "a", limit=3)
    assert sorted(first) == [3, 4, 5]  # the three added longest ago
    second = claim(sessions, "b", limit=10)
    assert sorted(second) == [1, 2]
    assert claim(sessions, "c") == []
    with sessions() as session:
        owners = {a.id: a.lease_owner for a in session.query(ArticleRow)}
        assert owners == {1: "b", 2: "b", 3: "a", 4: "a", 5: "a", 6: None, 7: None}
        assert schedule.due_backlog(session, NOW) == 0
    # a crashed worker's lease expires and its articles can be claimed again
    assert sorted(claim(sessions, "c", now=NOW + timedelta(seconds=61))) == [1, 2, 3, 4, 5]
    engine.dispose()


def test_force_ids_release_and_backlog(any_db_url: str) -> None:
    engine, sessions = setup(any_db_url, due=2, later=2)
    with sessions() as session:
        assert schedule.due_backlog(session, NOW) == 2
    assert sorted(claim(sessions, "a", force=True)) == [1, 2, 3, 4]
    with sessions() as session, session.begin():
        assert schedule.release(session, "a", [1]) == 1
        assert schedule.release(session, "nobody") == 0
    assert claim(sessions, "b", ids=[1, 2]) == [1]  # 2 is still leased to a
    with sessions() as session, session.begin():
        session.get_one(ArticleRow, 3).status = "retired"
        assert schedule.release(session, "a") == 3
    assert sorted(claim(sessions, "c", force=True)) == [2, 4]  # retired and leased ones skipped
    engine.dispose()


def test_recover_leases_of_dead_workers_on_this_host(any_db_url: str) -> None:
    engine, sessions = setup(any_db_url, due=3)
    claim(sessions, "host1:111:aa", ids=[1])
    claim(sessions, "host1:222:bb", ids=[2])
    claim(sessions, "host2:333:cc", ids=[3])
    with sessions() as session, session.begin():
        freed = schedule.recover_leases(
            session, "host1", lambda owner: owner.startswith("host1:222")
        )
        assert freed == 1
    with sessions() as session:
        assert {a.id: a.lease_owner for a in session.query(ArticleRow)} == {
            1: None,
            2: "host1:222:bb",
            3: "host2:333:cc",
        }
    engine.dispose()


def test_poll_turns(any_db_url: str) -> None:
    engine = make_engine(any_db_url)
    sessions = session_factory(engine)
    from versiontrack.domain import Source

    with sessions() as session, session.begin():
        sources.sync_sources(session, [Source("g", "https://example.org/rss")], NOW)

    def turn(at: datetime) -> bool:
        with sessions() as session, session.begin():
            return schedule.take_poll_turn(session, "g", now=at, interval=600)

    assert turn(NOW) is True
    assert turn(NOW + timedelta(seconds=10)) is False  # another worker just polled it
    assert turn(NOW + timedelta(seconds=600)) is True
    engine.dispose()
