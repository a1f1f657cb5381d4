"""`python -m bench lecture`: a lecture hall on one server.

Starts a real `streamlit run app.py` on loopback and drives N concurrent student sessions
(default 30) with clients that speak Streamlit's own websocket protocol (bench/_st_client.py):
far lighter than 30 Chromium contexts on a 2-core box, and the server cannot tell the
difference. Each student does the tour of the playground:

1. Tensor inspector: torch.full((2, 6), SEAT), add a reshape step;
2. Autograd: the "neuron" preset, then the program with a line of their own (`seat = SEAT`);
3. sin(x) fit: noise 0.1, seed SEAT, Train a 2000-step fit; toggles log scale while it trains;
4. SIGNS: 120 built-in training images, the MLP, 1 epoch, seed SEAT, Train; toggles a setting
   while it trains.

SEAT is a number unique to the session, except that sessions 0 and 1 are twins: session 1 types
session 0's number as its seeds (sin fit and SIGNS), so the two train the same runs at the same
time as the class, and `same_seed_identical` says whether their results (the fit's final loss,
SIGNS's test accuracy and loss) came out equal. After each step the session checks that its own
number is on screen, and every code block and editor it ever received is scanned for another
session's number: a session that saw one counts towards `cross_talk`.

Latency of a widget interaction is the time from sending the change until the server's
`script_finished` for the run it caused. Page loads and page switches are reported apart.

Last line: {"sessions", "completed", "cross_talk", "p50_s", "p95_s", "max_rss_mb", "errors",
"rss_start_mb", "rss_per_student_mb", "same_seed_identical", ...}. `rss_per_student_mb` is the
server's peak resident memory above its idle start, divided by the sessions (the one-time
imports of torch and the pages are in it). Goals: completed == sessions, cross_talk == 0, errors == 0, p95_s < 2 while training runs
(`p95_training_s`: the interactions sent while some session was training).

Options: --sessions N, --quick (3 sessions, a 300-step fit, short pauses), --think SECONDS
(pause between a student's actions, default 1), --timeout SECONDS (whole run, default 420),
--stagger SECONDS (students arrive within this window, default 3), --server-option KEY=VALUE
(a `streamlit run` option, repeatable, e.g. runner.postScriptGC=false to compare), --pages
tensors,sin-fit (a shorter tour).

--through-proxy [--replicas N] runs the same class through nginx in front of N replicas
(`python -m serve`) and also checks that each session stays on one replica: see
bench/_lecture_proxy.py.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field

from bench._st_client import StreamlitClient, StreamlitClientError
from bench.report import emit
from harness import streamlit_server

SEAT_FIRST, SEAT_STRIDE = 1007, 29  # seat numbers 1007, 1036, ...: 4 digits, fit every seed widget
RESHAPES = ["3, 4", "4, 3", "6, 2", "12", "2, 6", "1, 12", "12, 1", "2, 2, 3", "3, 2, 2"]
# a seat is a whole number of 4 digits; a training step count ("step 1819") is not one
SEAT_PATTERN = re.compile(r"(?<![\d.,])(?<!step )(\d{4})(?:\.0*)?(?![\d,]|\.\d*[1-9])")


def seat_number(index: int) -> int:
    """The number session `index` types everywhere it can (a seed fits in 0..10 000)."""
    seat = SEAT_FIRST + SEAT_STRIDE * index
    if seat > 10_000:
        raise ValueError("at most 310 sessions: the seat numbers must fit the seed widgets")
    return seat


def foreign_seats(texts: list[str], own: int, seats: set[int]) -> set[int]:
    """Other sessions' seat numbers that occur in `texts` (as whole numbers, `1036` or `1036.0`)."""
    found = set()
    for text in texts:
        for match in SEAT_PATTERN.finditer(text):
            number = int(match.group(1))
            if number != own and number in seats:
                found.add(number)
    return found


def where_seen(texts: list[str], number: int, width: int = 60) -> str:
    """The first text that shows `number`, cut to `width` characters around it (for the report)."""
    for text in texts:
        for match in SEAT_PATTERN.finditer(text):
            if int(match.group(1)) == number:
                start = max(0, match.start() - width // 2)
                return repr(text[start : start + width])
    return "?"


def twin_seed(index: int, options: Options) -> int:
    """The seed session `index` types: its own seat, but session 1 takes session 0's (twins)."""
    if options.twins and index == 1 and options.sessions >= 2:
        return seat_number(0)
    return seat_number(index)


def metric_values(client: StreamlitClient) -> dict[str, str]:
    """label -> value of every st.metric on the client's screen."""
    return {proto.label: proto.body for kind, proto in client.elements.values() if kind == "metric"}


def same_seed_report(hall: Hall) -> dict:
    """Whether the twins (sessions 0 and 1, one seed) got identical results; None when they did
    not both finish or twins are off."""
    first, second = hall.results.get(0), hall.results.get(1)
    complete = (
        hall.options.twins
        and first is not None
        and second is not None
        and len(first) == len(second) == 3
        and all(value is not None for value in [*first.values(), *second.values()])
    )
    return {
        "same_seed_identical": (first == second) if complete else None,
        "same_seed_results": [first, second] if hall.options.twins else None,
    }


@dataclass
class Options:
    sessions: int = 30
    sin_steps: int = 2000
    think: float = 1.0
    timeout: float = 420.0
    stagger: float = 3.0
    train_timeout: float = 300.0
    action_timeout: float = 120.0
    pages: tuple = ("tensors", "autograd", "sin-fit", "signs")  # the tour, in this order
    server_options: tuple = ()  # ("runner.postScriptGC=false", ...): passed to `streamlit run`
    through_proxy: bool = False  # the class through `python -m serve` (bench/_lecture_proxy.py)
    replicas: int = 1  # with through_proxy: app processes behind nginx
    pin: bool = False  # with through_proxy: each replica pinned to its own CPUs
    twins: bool = True  # session 1 trains with session 0's seeds (same_seed_identical)


@dataclass
class Interaction:
    session: int
    what: str
    seconds: float
    while_training: bool


@dataclass
class Hall:
    """What all sessions share in this benchmark process (the measurements)."""

    options: Options
    seats: set = field(default_factory=set)
    interactions: list = field(default_factory=list)
    page_loads: list = field(default_factory=list)
    page_switches: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    training_now: int = 0
    completed: int = 0
    cross_talk: int = 0
    tours: list = field(default_factory=list)
    trainings: dict = field(default_factory=lambda: {"sin_fit_s": [], "signs_s": []})
    results: dict = field(default_factory=dict)  # session -> {what: shown value} after training
    signs_speeds: list = field(default_factory=list)  # (page's images/s, images/s by the clock)


SPEED_PATTERN = re.compile(r"· ([\d,]+) images/s")
SPLIT_PATTERN = re.compile(r"(\d+) train, \d+ validation")


def signs_speed(texts: list[str], seconds: float) -> tuple[float | None, float | None]:
    """The images/s a SIGNS student got: what their finished run's progress line says (training
    steps only, on the cores their share gave them), and their training images over the
    seconds from pressing Train to the finished run (queue, ticks and redraws included)."""
    page = next((m for m in map(SPEED_PATTERN.search, texts) if m), None)
    split = next((m for m in map(SPLIT_PATTERN.search, texts) if m), None)
    return (
        float(page.group(1).replace(",", "")) if page else None,
        int(split.group(1)) / seconds if split and seconds > 0 else None,
    )


class Student:
    def __init__(self, hall: Hall, index: int, url: str) -> None:
        self.hall, self.index = hall, index
        self.seat = seat_number(index)
        self.seed = twin_seed(index, hall.options)  # the number typed into the seed widgets
        self.client = StreamlitClient(url, name=f"session {index}")
        self.random = random.Random(index)
        self.stage = "start"

    async def pause(self) -> None:
        think = self.hall.options.think
        if think > 0:
            await asyncio.sleep(self.random.uniform(0.5 * think, 1.5 * think))

    async def act(self, what: str, key: str, value=True) -> None:
        await self.pause()
        while_training = self.hall.training_now > 0
        seconds = await self.client.set(key, value, timeout=self.hall.options.action_timeout)
        self.hall.interactions.append(Interaction(self.index, what, seconds, while_training))
        self.check_screen(what)

    def check_screen(self, what: str) -> None:
        if self.client.exceptions:
            raise StreamlitClientError(
                f"exception on screen after {what}: {self.client.exceptions[0][:300]}"
            )

    def expect(self, condition: bool, message: str) -> None:
        if not condition:
            raise StreamlitClientError(f"{self.stage}: {message}")

    def code(self) -> str:
        return "\n".join(self.client.texts("code"))

    def shows_seed(self) -> bool:
        """The page's code shows this session's seed (`seed=1007`, `manual_seed(1007)`)."""
        return re.search(rf"seed\W{{0,3}}{self.seed}\b", self.code()) is not None

    async def go(self, page: str) -> None:
        self.stage = page
        seconds = await self.client.switch_page(page)
        self.hall.page_switches.append(seconds)
        self.check_screen(f"opening {page}")

    # -------------------------------------------------------------------------------- tour

    async def tour(self) -> None:
        await asyncio.sleep(self.random.uniform(0, self.hall.options.stagger))
        started = time.perf_counter()
        stages = {
            "tensors": self.tensors,
            "autograd": self.autograd,
            "sin-fit": self.sin_fit,
            "signs": self.signs,
        }
        for number, page in enumerate(self.hall.options.pages):
            if number == 0:
                self.stage = page
                self.hall.page_loads.append(await self.client.open(page))
                self.check_screen(f"loading {page}")
            else:
                await self.go(page)
            await stages[page]()
        self.hall.tours.append(time.perf_counter() - started)

    async def tensors(self) -> None:
        shape = RESHAPES[self.index % len(RESHAPES)]
        await self.act("choose constructor", "tns_constructor", "full")
        await self.act("type a shape", "tns_shape", "2, 6")
        await self.act("type the fill value", "tns_fill", self.seat)
        self.expect(
            re.search(rf"torch\.full\(\(2, 6,?\), {self.seat}\.0", self.code()) is not None,
            f"the inspector does not show torch.full((2, 6), {self.seat}.0)",
        )
        await self.act("choose reshape", "tns_op", "reshape")
        await self.act("type the new shape", "tns_text_reshape", shape)
        await self.act("add the step", "tns_add")
        self.expect(
            f"x.reshape({shape})" in self.code(), f"the pipeline does not show x.reshape({shape})"
        )

    async def autograd(self) -> None:
        await self.act("load the neuron preset", "ag_preset_neuron")
        source = self.client.widget("ag_source").proto.value
        self.expect("backward()" in source, "the editor did not receive the preset's program")
        await self.act(
            "edit the program",
            "ag_source",
            f"{source.rstrip()}\nseat = torch.tensor({self.seat}.0)\n",
        )
        self.expect(
            f"seat = torch.tensor({self.seat}.0)" in self.code(),
            "the code tab does not show the edit",
        )

    async def training(
        self, button: str, finished, what: str, poke: tuple[str, object, object]
    ) -> float:
        """Press `button`, poke a widget outside the live fragment while it trains, wait for
        `finished()`; return the seconds it took."""
        options = self.hall.options
        started = time.perf_counter()
        self.hall.training_now += 1
        try:
            await self.act(f"press {what}", button)
            key, first, second = poke
            for value in (first, second):
                if finished():
                    break
                await self.act(f"change {key} while training", key, value)
            await self.client.wait_for(finished, options.train_timeout)
        finally:
            self.hall.training_now -= 1
        self.check_screen(f"training {what}")
        return time.perf_counter() - started

    async def sin_fit(self) -> None:
        steps = self.hall.options.sin_steps
        await self.act("set the noise", "fit_noise", 0.1)
        await self.act("type the seed", "fit_seed", self.seed)
        if self.client.widget("fit_steps").proto.value != steps:
            await self.act("type the steps", "fit_steps", steps)
        self.expect(self.shows_seed(), "the exported script does not carry the seed")
        done_text = f"step {steps:,} of {steps:,}"

        def finished() -> bool:
            widget = self.client.widgets.get("fit_train")
            return (
                widget is not None
                and not widget.proto.disabled
                and not self.client.auto_rerunning
                and any(t.startswith(done_text) for t in self.client.texts("progress"))
            )

        self.hall.trainings["sin_fit_s"].append(
            await self.training(
                "fit_train", finished, "Train (sin fit)", ("fit_log_y", False, True)
            )
        )
        await self.record_result("sin fit", ("Loss now",))

    async def signs(self) -> None:
        await self.act("choose 120 training images", "signs_n_train", "120")
        await self.act("choose 60 test images", "signs_n_test", "60")
        mlp = [label for label in self.client.widget("signs_model").proto.options if "MLP" in label]
        self.expect(bool(mlp), "the model list has no MLP")
        await self.act("choose the MLP", "signs_model", mlp[0])
        await self.act("one epoch", "signs_epochs", 1)
        await self.act("type the seed", "signs_train_seed", self.seed)
        self.expect(self.shows_seed(), "the training code does not carry the seed")
        pattern = re.compile(r"epoch 1 of 1 · batch (\d+) of (\d+)")

        def finished() -> bool:
            widget = self.client.widgets.get("signs_train")
            if widget is None or widget.proto.disabled or self.client.auto_rerunning:
                return False
            matches = [pattern.match(t) for t in self.client.texts("progress")]
            return any(m and m.group(1) == m.group(2) for m in matches)

        seconds = await self.training(
            "signs_train", finished, "Train (SIGNS)", ("signs_flip", False, True)
        )
        self.hall.trainings["signs_s"].append(seconds)
        self.hall.signs_speeds.append(
            signs_speed(self.client.texts("progress", "markdown"), seconds)
        )
        await self.record_result("SIGNS", ("Test accuracy", "Test loss"))

    async def record_result(self, page: str, labels: tuple[str, ...]) -> None:
        """Keep the values of the metrics `labels` the page shows after training (the final
        run's progress bar arrives before its metrics: wait for them)."""
        with contextlib.suppress(TimeoutError):
            await self.client.wait_for(
                lambda: all(label in metric_values(self.client) for label in labels),
                self.hall.options.action_timeout,
            )
        shown = metric_values(self.client)
        self.hall.results.setdefault(self.index, {}).update(
            {f"{page}: {label}": shown.get(label) for label in labels}
        )

    def texts_seen(self) -> list[str]:
        seen = list(self.client.texts_seen)
        return seen + [
            w.proto.value
            for w in self.client.widgets.values()
            if w.kind in ("text_area", "text_input")
        ]

    async def run(self) -> None:
        try:
            await self.tour()
            self.hall.completed += 1
            emit(
                {"session": self.index, "completed": True, "tour_s": round(self.hall.tours[-1], 2)}
            )
        except (StreamlitClientError, TimeoutError, OSError) as error:
            self.hall.errors.append(f"session {self.index} ({self.stage}): {error}")
            emit(
                {
                    "session": self.index,
                    "completed": False,
                    "stage": self.stage,
                    "error": str(error)[:300],
                }
            )
        finally:
            seen = self.texts_seen()
            # A twin shows its twin's number as its seed: that one is not cross-talk.
            foreign = foreign_seats(seen, self.seat, self.hall.seats - {self.seed})
            if foreign:
                self.hall.cross_talk += 1
                places = "; ".join(
                    f"{number} in {where_seen(seen, number)}" for number in sorted(foreign)
                )
                self.hall.errors.append(
                    f"session {self.index} saw other sessions' numbers: {places}"
                )
            await self.client.close()


class _BackgroundSampler:
    """A daemon thread running `_loop` from `with` entry to exit; `_stop` ends it."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        raise NotImplementedError

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


class RssSampler(_BackgroundSampler):
    """The server's resident memory, itself and its children, sampled every 0.25 s."""

    def __init__(self, pid: int) -> None:
        import psutil

        super().__init__()
        self.process = psutil.Process(pid)
        self.max_bytes = 0
        self.start_bytes = self._total()  # the idle server, before any session

    def _total(self) -> int:
        import psutil

        total = self.process.memory_info().rss
        for child in self.process.children(recursive=True):
            with contextlib.suppress(psutil.Error):
                total += child.memory_info().rss
        return total

    def _loop(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                self.max_bytes = max(self.max_bytes, self._total())
            except psutil.Error:
                return
            self._stop.wait(0.25)

    def cpu_seconds(self) -> float | None:
        """CPU seconds (user + system) the server and its children have used so far."""
        import psutil

        try:
            total = sum(self.process.cpu_times()[:2])
            for child in self.process.children(recursive=True):
                total += sum(child.cpu_times()[:2])
            return total
        except psutil.Error:
            return None


class HealthProbe(_BackgroundSampler):
    """Seconds the server takes to answer /_stcore/health, every 0.5 s: how responsive its event
    loop stays while the sessions' scripts run."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url
        self.samples: list[float] = []

    def _loop(self) -> None:
        import urllib.request

        while not self._stop.is_set():
            started = time.perf_counter()
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=30) as reply:
                    reply.read()
                self.samples.append(time.perf_counter() - started)
            except OSError:
                self.samples.append(30.0)
            self._stop.wait(0.5)


class StderrTail:
    """Drain the server's stderr (a full pipe would stall it); keep its tracebacks, condensed to
    their last frames and message."""

    def __init__(self, stream) -> None:
        self.tracebacks: list[str] = []
        self._thread = threading.Thread(target=self._loop, args=(stream,), daemon=True)
        self._thread.start()

    def _loop(self, stream) -> None:
        block: list[str] | None = None
        for raw in stream:
            line = raw.rstrip()
            if line.startswith("Traceback (most recent call last)"):
                block = []
            elif block is not None:
                if line.startswith("  "):
                    block.append(line.strip())
                    continue
                frames = [entry for entry in block if entry.startswith("File ")][-3:]
                self.tracebacks.append(" | ".join([*frames, line])[-700:])
                block = None

    def problems(self) -> list[str]:
        return list(self.tracebacks)


def percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def rounded(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


async def drive(url: str, options: Options, student_class=Student) -> Hall:
    hall = Hall(options)
    students = [student_class(hall, index, url) for index in range(options.sessions)]
    hall.seats = {student.seat for student in students}
    tasks = [asyncio.create_task(student.run()) for student in students]
    done, pending = await asyncio.wait(tasks, timeout=options.timeout)
    for task in pending:
        task.cancel()
    for task, student in zip(tasks, students, strict=True):
        if task in pending:
            hall.errors.append(
                f"session {student.index} ({student.stage}): not finished after "
                f"{options.timeout:.0f} s ({student.client.summary()})"
            )
    await asyncio.gather(*pending, return_exceptions=True)
    for task in done:
        if task.exception() is not None:
            hall.errors.append(f"benchmark error: {task.exception()!r}")
    return hall


def memory_per_student(rss: RssSampler, sessions: int) -> dict:
    """The server's idle start and its peak above that per session, in MB."""
    return {
        "rss_start_mb": round(rss.start_bytes / 2**20, 1),
        "rss_per_student_mb": round((rss.max_bytes - rss.start_bytes) / 2**20 / sessions, 1),
    }


def run(options: Options) -> dict:
    """Start the server, drive the sessions, return the headline figures.

    Long because it is one measurement: the samplers, the server and the figures share one
    `with` block, so the server's memory and health are read while the class runs.
    """
    load_before = os.getloadavg()[0]
    flags = [
        f"--{item.split('=', 1)[0]}={item.split('=', 1)[1]}" for item in options.server_options
    ]
    with (
        streamlit_server(flags) as (url, process, _started),
        RssSampler(process.pid) as rss,
        HealthProbe(url) as health,
    ):
        stderr = StderrTail(process.stderr)
        started = time.perf_counter()
        client_cpu = time.process_time()
        hall = asyncio.run(drive(url, options))
        wall = time.perf_counter() - started
        client_cpu = time.process_time() - client_cpu
        server_cpu = rss.cpu_seconds()
    latencies = [i.seconds for i in hall.interactions]
    training = [i.seconds for i in hall.interactions if i.while_training]
    idle = [i.seconds for i in hall.interactions if not i.while_training]
    result = {
        "sessions": options.sessions,
        "completed": hall.completed,
        "cross_talk": hall.cross_talk,
        "p50_s": rounded(percentile(latencies, 0.5)),
        "p95_s": rounded(percentile(latencies, 0.95)),
        "max_rss_mb": round(rss.max_bytes / 2**20, 1),
        "errors": len(hall.errors),
        "interactions": len(latencies),
        "p95_training_s": rounded(percentile(training, 0.95)),
        "p50_training_s": rounded(percentile(training, 0.5)),
        "p95_idle_s": rounded(percentile(idle, 0.95)),
        "max_s": rounded(max(latencies, default=None)),
        "health_p95_s": rounded(percentile(health.samples, 0.95)),
        "health_max_s": rounded(max(health.samples, default=None)),
        "page_load_p50_s": rounded(percentile(hall.page_loads, 0.5)),
        "page_load_max_s": rounded(max(hall.page_loads, default=None)),
        "page_switch_p95_s": rounded(percentile(hall.page_switches, 0.95)),
        "sin_fit_train_p50_s": rounded(percentile(hall.trainings["sin_fit_s"], 0.5)),
        "signs_train_p50_s": rounded(percentile(hall.trainings["signs_s"], 0.5)),
        **signs_speed_figures(hall.signs_speeds),
        "tour_p50_s": rounded(percentile(hall.tours, 0.5)),
        "tour_max_s": rounded(max(hall.tours, default=None)),
        "wall_s": round(wall, 1),
        "server_cpu_s": rounded(server_cpu, 1),
        "client_cpu_s": round(client_cpu, 1),
        "load_avg_before": round(load_before, 1),
        "load_avg_after": round(os.getloadavg()[0], 1),
        "cores": os.cpu_count(),
        "sin_steps": options.sin_steps,
        "think_s": options.think,
        "server_options": list(options.server_options),
        "pages": list(options.pages),
        "goal": "completed == sessions, cross_talk == 0, errors == 0, p95_training_s < 2",
    }
    result["goal_met"] = bool(
        result["completed"] == options.sessions
        and not result["cross_talk"]
        and not result["errors"]
        and (result["p95_training_s"] or 0) < 2.0
    )
    by_action: dict[str, list[float]] = {}
    for interaction in hall.interactions:
        by_action.setdefault(interaction.what, []).append(interaction.seconds)
    result["by_action_p50_max_s"] = {
        what: [rounded(percentile(values, 0.5), 2), rounded(max(values), 2)]
        for what, values in by_action.items()
    }
    result.update(memory_per_student(rss, options.sessions))
    result.update(same_seed_report(hall))
    result["goal"] += ", same_seed_identical (twins' results equal, when both trained)"
    result["goal_met"] = result["goal_met"] and result["same_seed_identical"] is not False
    result["error_samples"] = hall.errors[:5]
    result["server_log_errors"] = stderr.problems()[-5:]
    return result


def signs_speed_figures(speeds: list[tuple[float | None, float | None]]) -> dict:
    """Median and lowest images/s the SIGNS students got, by their page and by the clock."""
    page = [p for p, _ in speeds if p is not None]
    clock = [c for _, c in speeds if c is not None]
    return {
        "signs_images_per_s_p50": rounded(percentile(page, 0.5), 1),
        "signs_images_per_s_min": rounded(min(page, default=None), 1),
        "signs_wall_images_per_s_p50": rounded(percentile(clock, 0.5), 1),
    }


def parse(argv: list[str]) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench lecture", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--sessions", type=int, default=None, help="concurrent students (default 30)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="3 sessions, a 300-step fit, short pauses"
    )
    parser.add_argument(
        "--think", type=float, default=None, help="seconds between a student's actions"
    )
    parser.add_argument("--timeout", type=float, default=None, help="seconds for the whole run")
    parser.add_argument(
        "--stagger", type=float, default=None, help="students arrive within this window"
    )
    parser.add_argument(
        "--server-option",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a `streamlit run` option for this run, e.g. runner.postScriptGC=false",
    )
    parser.add_argument(
        "--pages",
        default=None,
        help="the tour's pages, comma-separated (default tensors,autograd,sin-fit,signs)",
    )
    add_proxy_arguments(parser)
    args = parser.parse_args(argv)
    options = (
        Options(sessions=3, sin_steps=300, think=0.2, timeout=180.0, stagger=1.0)
        if args.quick
        else Options()
    )
    for name in ("sessions", "think", "timeout", "stagger"):
        if getattr(args, name) is not None:
            setattr(options, name, getattr(args, name))
    for item in args.server_option:
        if "=" not in item or not re.fullmatch(r"[A-Za-z]+\.[A-Za-z]+", item.split("=", 1)[0]):
            parser.error(
                f"--server-option wants KEY=VALUE like runner.postScriptGC=false, not {item!r}"
            )
    options.server_options = tuple(args.server_option)
    if args.pages:
        options.pages = tuple(page.strip() for page in args.pages.split(",") if page.strip())
        unknown = set(options.pages) - set(Options.pages)
        if unknown or not options.pages:
            parser.error(f"--pages takes some of {', '.join(Options.pages)}")
    if options.sessions < 1:
        parser.error("--sessions must be at least 1")
    seat_number(options.sessions - 1)
    read_proxy_arguments(parser, args, options)
    return options


def add_proxy_arguments(parser: argparse.ArgumentParser) -> None:
    """--through-proxy and --replicas: the class through nginx and N replicas (python -m serve)."""
    parser.add_argument(
        "--through-proxy",
        action="store_true",
        help="run the class through nginx in front of --replicas app processes (python -m serve)",
    )
    parser.add_argument(
        "--replicas", type=int, default=None, help="with --through-proxy: app processes (default 2)"
    )
    parser.add_argument(
        "--pin", action="store_true", help="with --through-proxy: pin each replica to its CPUs"
    )


def read_proxy_arguments(parser, args, options: Options) -> None:
    if (args.replicas is not None or args.pin) and not args.through_proxy:
        parser.error("--replicas and --pin need --through-proxy")
    if args.through_proxy:
        if args.server_option:
            parser.error("--server-option is not passed to the replicas of --through-proxy")
        options.through_proxy = True
        options.replicas = 2 if args.replicas is None else args.replicas
        options.pin = args.pin
        if options.replicas < 1:
            parser.error("--replicas must be at least 1")


def main(argv: list[str] | None = None) -> None:
    if argv is None:  # `python -m bench lecture --sessions 5`: our arguments follow the name
        argv = sys.argv[1:]
        if "lecture" in argv:
            argv = argv[argv.index("lecture") + 1 :]
        elif argv[:1] == ["all"]:
            argv = []
    options = parse(argv)
    emit(
        {
            "benchmark": "lecture",
            "sessions": options.sessions,
            "sin_steps": options.sin_steps,
            "think_s": options.think,
        }
    )
    if options.through_proxy:
        from bench._lecture_proxy import run_through_proxy

        result = run_through_proxy(options, options.replicas, pin=options.pin)
    else:
        result = run(options)
    emit(result)


if __name__ == "__main__":
    main()
