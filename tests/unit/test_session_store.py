"""core.serving.session_store: a closed tab's runs come back within the grace period, never to a
second live session, and are forgotten afterwards."""

from core.serving.session_store import SessionStore


class World:
    def __init__(self):
        self.now = 0.0
        self.alive = set()

    def clock(self):
        return self.now

    def is_active(self, session):
        return session in self.alive


def make():
    world = World()
    return SessionStore(grace_s=60, max_entries=3, clock=world.clock), world


def test_reopened_tab_gets_its_values_back():
    store, world = make()
    world.alive.add("tab1")
    history = [1.0, 0.5]
    assert store.remember("sid", "tab1", {"fit_runs": history}, world.is_active)
    world.alive.discard("tab1")  # the student closes the tab
    world.now = 30
    world.alive.add("tab2")
    restored = store.claim("sid", "tab2", world.is_active)
    assert restored["fit_runs"] is history  # the same objects, history included


def test_a_copied_link_does_not_take_over_a_live_session():
    store, world = make()
    world.alive.update({"lecturer", "student"})
    store.remember("sid", "lecturer", {"x": 1}, world.is_active)
    assert store.claim("sid", "student", world.is_active) is None
    assert not store.remember("sid", "student", {"x": 2}, world.is_active)
    assert store.claim("sid", "lecturer", world.is_active) == {"x": 1}


def test_forgotten_after_the_grace_period():
    store, world = make()
    store.remember("sid", "tab1", {"x": 1}, world.is_active)
    world.now = 61
    assert store.claim("sid", "tab2", world.is_active) is None
    assert len(store) == 0


def test_live_sessions_are_not_expired_and_the_cap_holds():
    store, world = make()
    world.alive.add("tab1")
    store.remember("keep", "tab1", {"x": 1}, world.is_active)
    world.now = 1000
    assert store.claim("keep", "tab1", world.is_active) == {"x": 1}
    for i in range(5):
        store.remember(f"s{i}", f"t{i}", {}, world.is_active)
    assert len(store) == 3


def test_sids_are_unguessable():
    assert len({SessionStore.new_sid() for _ in range(100)}) == 100
    assert len(SessionStore.new_sid()) >= 20
