"""core.serving.session_store: a closed tab's runs come back within the grace period to the
same browser only, never to a second live session, and are forgotten afterwards."""

from core.serving.session_store import SessionStore

BROWSER = SessionStore.new_sid()  # a browser's key, as the app keeps it in a cookie
OTHER_BROWSER = SessionStore.new_sid()


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


def test_reopened_tab_in_the_same_browser_gets_its_values_back():
    store, world = make()
    world.alive.add("tab1")
    history = [1.0, 0.5]
    assert store.remember("sid", BROWSER, "tab1", {"fit_runs": history}, world.is_active)
    world.alive.discard("tab1")  # the student closes the tab
    world.now = 30
    world.alive.update({"stranger", "tab2"})
    assert store.claim(OTHER_BROWSER, "stranger", world.is_active) is None  # the copied URL
    sid, restored = store.claim(BROWSER, "tab2", world.is_active)
    assert sid == "sid" and restored["fit_runs"] is history  # the same objects


def test_a_second_tab_of_the_same_browser_does_not_take_over_a_live_one():
    store, world = make()
    world.alive.update({"tab1", "tab2"})
    store.remember("one", BROWSER, "tab1", {"x": 1}, world.is_active)
    assert store.claim(BROWSER, "tab2", world.is_active) is None  # tab1 is still open
    assert not store.remember("one", BROWSER, "tab2", {"x": 2}, world.is_active)
    store.remember("two", BROWSER, "tab2", {"x": 2}, world.is_active)
    world.alive.discard("tab1")  # tab1 closes; tab2 stays open
    world.now = 5
    world.alive.add("tab3")
    assert store.claim(BROWSER, "tab3", world.is_active) == ("one", {"x": 1})


def test_the_most_recently_seen_closed_tab_comes_back_first():
    store, world = make()
    store.remember("old", BROWSER, "tab1", {"x": 1}, world.is_active)
    world.now = 10
    store.remember("new", BROWSER, "tab2", {"x": 2}, world.is_active)
    world.alive.add("tab3")
    assert store.claim(BROWSER, "tab3", world.is_active) == ("new", {"x": 2})


def test_forgotten_after_the_grace_period():
    store, world = make()
    store.remember("sid", BROWSER, "tab1", {"x": 1}, world.is_active)
    world.now = 61
    assert store.claim(BROWSER, "tab2", world.is_active) is None
    assert len(store) == 0


def test_live_sessions_are_not_expired_and_the_cap_holds():
    store, world = make()
    world.alive.add("tab1")
    store.remember("keep", BROWSER, "tab1", {"x": 1}, world.is_active)
    world.now = 1000
    assert store.claim(BROWSER, "tab1", world.is_active) == ("keep", {"x": 1})
    for i in range(5):
        store.remember(f"s{i}", OTHER_BROWSER, f"t{i}", {}, world.is_active)
    assert len(store) == 3
    store.forget("s4")
    assert len(store) == 2


def test_keys_are_unguessable_and_anything_else_is_ignored():
    assert len({SessionStore.new_sid() for _ in range(100)}) == 100
    assert len(SessionStore.new_sid()) >= 20 and SessionStore.is_key(SessionStore.new_sid())
    store, world = make()
    store.remember("sid", "", "tab1", {"x": 1}, world.is_active)
    for forged in ("", "x", "a" * 200, "<script>", "abc; Path=/" + "a" * 20):
        assert not SessionStore.is_key(forged)
        assert store.claim(forged, "tab2", world.is_active) is None


def test_forgetting_entries_releases_memory_at_most_every_few_seconds():
    world = World()
    calls = []
    store = SessionStore(
        grace_s=60, clock=world.clock, on_forget=lambda: calls.append(world.now), release_every_s=10
    )
    store.remember("a", BROWSER, "tab1", {}, world.is_active)
    store.remember("b", BROWSER, "tab2", {}, world.is_active)
    assert calls == []  # nothing forgotten yet
    world.now = 61
    store.remember("c", BROWSER, "tab3", {}, world.is_active)  # a and b expire here
    assert calls == [61] and len(store) == 1
    world.now = 125  # c expires...
    world.alive.add("tab4")
    store.claim(BROWSER, "tab4", world.is_active)
    assert calls == [61, 125] and len(store) == 0
    store.claim(BROWSER, "tab4", world.is_active)  # ...and nothing more to release
    assert calls == [61, 125]


def test_release_memory_frees_what_only_a_full_collection_frees():
    import gc
    import weakref

    from core.serving.session_store import release_memory

    class State:
        pass

    gc.disable()  # as if the automatic collector had not come round yet
    try:
        state = State()
        state.cycle = state  # a session's state in a reference cycle
        alive = weakref.ref(state)
        del state
        assert alive() is not None
        release_memory()
        assert alive() is None
    finally:
        gc.enable()


def test_the_allocator_is_tuned_on_glibc_and_freed_memory_still_goes_back():
    """keep_freed_memory takes glibc's three settings (True) where the C library is glibc, and
    release_memory afterwards still hands freed pages back (malloc_trim ignores the threshold)."""
    import platform

    import torch

    from core.serving.session_store import keep_freed_memory, release_memory

    tuned = keep_freed_memory()
    assert tuned is (platform.libc_ver()[0] == "glibc")

    def resident_mb() -> float:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4096 / 2**20

    blocks = [torch.ones(4 * 2**20) for _ in range(25)]  # 25 blocks of 16 MB, now from the heap
    grown = resident_mb()
    del blocks
    release_memory()
    if tuned:
        assert resident_mb() < grown - 200  # most of the 400 MB is back with the system
