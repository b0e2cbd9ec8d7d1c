"""How the flight recorder shows in the shell: REPLAY and its moment in the header, its reach below."""

from __future__ import annotations

import time

from deck._clock import now
from deck._recorder import Recorder, age_text
from deck.widgets._render import Segment

__all__ = ["recorder_header", "recorder_reach"]


def recorder_header(recorder: Recorder) -> list[Segment]:
    """ " REPLAY 03:12:09 -2m05s " while rewound; nothing when live."""
    if recorder.at is None:
        return []
    moment = time.strftime("%H:%M:%S", time.localtime(recorder.at))
    newest = recorder.ring.newest
    end = newest if recorder.replaying and newest is not None else now()
    behind = f" -{age_text(end - recorder.at)}" if end - recorder.at >= 1 else ""
    return [("critical", f" REPLAY {moment}{behind} ")]


def recorder_reach(recorder: Recorder) -> list[Segment]:
    """How far back the recording reaches (and where it is written), for the status line."""
    target = f" > {recorder.writer.path.name}" if recorder.writer is not None else ""
    reach = recorder.reach()
    if reach < 1 and not target:
        return []  # nothing to rewind to yet (a snapshot's first frame)
    return [("muted", f" rec {age_text(reach)}{target} ")]
