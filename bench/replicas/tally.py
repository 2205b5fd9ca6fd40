#!/usr/bin/env python3
"""Figures of a replica-kill run (bench/replicas/kill_one.sh): what the clients got back, and
which replica nginx's access log says answered each request before and after the kill.
Exits 1 when a request was not answered 200 with recognised text."""
import argparse
import json
import os
import re
import sys

# log_format upstreams in deploy/nginx/ocrserve.conf
LINE = re.compile(r'^(\S+) (\d+) "([^"]*)" "([^"]*)" (\S+) "([^"]*)"$')


def recognised(body):
    """True when the answer holds at least one non-empty "text" (ocr: a list of lines; rec: one)."""
    if isinstance(body, dict):
        return isinstance(body.get("text"), str) and body["text"] != ""
    if isinstance(body, list):
        return any(recognised(item) for item in body)
    return False


def client_answers(results_dir, bodies_dir):
    answers = {}
    for name in os.listdir(results_dir):
        with open(os.path.join(results_dir, name)) as f:
            for line in f:
                index, status = line.split()
                answers[int(index)] = status
    failures = []
    for index, status in sorted(answers.items()):
        reason = None
        if status != "200":
            reason = f"status {status}"
        else:
            try:
                with open(os.path.join(bodies_dir, f"{index}.json")) as f:
                    if not recognised(json.load(f)):
                        reason = "200 without recognised text"
            except (OSError, ValueError) as e:
                reason = f"200 with an unreadable body ({e})"
        if reason:
            failures.append((index, reason))
    return answers, failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--access-log", required=True)
    parser.add_argument("--results", required=True)
    parser.add_argument("--bodies", required=True)
    parser.add_argument("--requests", type=int, required=True)
    parser.add_argument("--killed-at", type=float, required=True)
    parser.add_argument("--victim", required=True)
    parser.add_argument("--replicas", required=True)
    args = parser.parse_args()
    replicas = args.replicas.split(",")

    answers, failures = client_answers(args.results, args.bodies)
    missing = args.requests - len(answers)
    failed = len(failures) + missing
    print(f"requests sent: {args.requests}, succeeded (200 with recognised text): "
          f"{args.requests - failed}, failed: {failed}")
    for index, reason in failures[:10]:
        print(f"  request {index}: {reason}")
    if missing:
        print(f"  {missing} requests never finished")

    before = {r: 0 for r in replicas}
    after = {r: 0 for r in replicas}
    retried, failed_attempts = 0, {}
    with open(args.access_log) as f:
        for line in f:
            m = LINE.match(line.strip())
            if not m or not m.group(6).startswith("POST /predictions/"):
                continue
            msec, tried, statuses = float(m.group(1)), m.group(3).split(", "), m.group(4).split(", ")
            if len(tried) > 1:
                retried += 1
                for addr, status in zip(tried[:-1], statuses[:-1]):
                    failed_attempts[(addr, status)] = failed_attempts.get((addr, status), 0) + 1
            final = tried[-1]
            if final in before:
                (before if msec < args.killed_at else after)[final] += 1

    print(f"requests nginx retried on another replica: {retried}")
    for (addr, status), n in sorted(failed_attempts.items()):
        meaning = " (nginx's: connection refused or dropped)" if status == "502" else ""
        print(f"  {n} attempt(s) on {addr} ended with {status}{meaning}")
    print("answered by (nginx access log, split at the kill):")
    print("| replica | before the kill | after the kill |")
    print("|---|---|---|")
    for r in replicas:
        label = f"{r} (killed, restarted)" if r == args.victim else r
        print(f"| {label} | {before[r]} | {after[r]} |")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
