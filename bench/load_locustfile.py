"""The locust side of `python -m bench.load`: one endpoint, every simulated user a signed-in
person of their own (a bearer token each, so per-user limits treat them as people), each asking
again as soon as an answer arrives (no think time: the measure is what the stack sustains).

bench.load runs `locust --headless -f bench/load_locustfile.py …` in a process of its own with:
  LOAD_NAME         the endpoint's name in locust's statistics;
  LOAD_PATHS        a JSON list of paths (with their queries), taken in turn, each user from a
                    different place in the list;
  LOAD_TOKENS_FILE  a file of bearer tokens, one a line (none: requests go unauthenticated).

A 429 is a designed answer (exports and searches are bounded per user and per process, with
Retry-After): it is counted under "<name> 429", apart from the errors, which are every other
answer outside 2xx.
"""

from __future__ import annotations

import itertools
import json
import os
from pathlib import Path

from locust import FastHttpUser, constant, task

NAME = os.environ["LOAD_NAME"]
PATHS: list[str] = json.loads(os.environ["LOAD_PATHS"])
_tokens_file = os.environ.get("LOAD_TOKENS_FILE")
TOKENS = Path(_tokens_file).read_text(encoding="ascii").split() if _tokens_file else []
_numbers = itertools.count()


class Person(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        number = next(_numbers)
        self.headers = {"Authorization": f"Bearer {TOKENS[number % len(TOKENS)]}"} if TOKENS else {}
        start = number % len(PATHS)
        self.paths = itertools.cycle(PATHS[start:] + PATHS[:start])

    @task
    def ask(self) -> None:
        with self.client.get(
            next(self.paths), headers=self.headers, name=NAME, catch_response=True
        ) as response:
            if response.status_code == 429:
                response.request_meta["name"] = f"{NAME} 429"
                response.success()
            elif not 200 <= response.status_code < 300:
                response.failure(f"HTTP {response.status_code}")
