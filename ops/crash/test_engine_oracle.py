#!/usr/bin/env python3
"""The engine crash test's oracle must be able to fail: each kind of damage, made up by hand on a converged tree,
gives its category, and the undamaged tree gives none. Run: python3 -m unittest ops/crash/test_engine_oracle.py"""

import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from engine_crash import CrashRun, Oracle, Plan, conflict_base  # noqa: E402

A, B, C, D, E, X = ("a" * 64, "b" * 64, "c" * 64, "d" * 64, "e" * 64, "f" * 64)
COPY = "f0001 (conflicted copy 2026-12-03 081500).txt"


class StubServer:
    def __init__(self, chunks=()):
        self.chunks = list(chunks)

    def chunks_in_flight(self, sessions=None):
        return [c for c in self.chunks if sessions is None or c.split("/")[0] in sessions]

    def upload_sessions(self):
        return []


def run_with(oracle, records=(), chunks=()):
    run = CrashRun.__new__(CrashRun)
    run.oracle = oracle
    run.server = StubServer(chunks)
    run.conflict_records = lambda: list(records)
    run.sessions_before = set()
    run.new_upload_sessions = lambda: {c.split("/")[0] for c in chunks}
    return run


def scenario():
    """Base {f0001: A, d1/f0002: B, f0003: C, f0004: D}; the point: f0001 edited on both sides (local E, remote X),
    f0003 deleted remotely, f0004 renamed to r0005.dat."""
    oracle = Oracle()
    oracle.rebase({"f0001.txt": A, "d1/f0002.txt": B, "f0003.txt": C, "f0004.txt": D})
    plan = Plan(oracle.files)
    for path, sha in (("f0001.txt", E), ("f0001.txt", X)):
        oracle.wrote(path, sha)
    plan.conflicts["f0001.txt"] = {"local": E, "remote": X}
    plan.expect.pop("f0001.txt")
    plan.deleted["f0003.txt"] = "remote"
    plan.expect.pop("f0003.txt")
    plan.expect["r0005.dat"] = plan.expect.pop("f0004.txt")
    plan.renamed_from["f0004.txt"] = "r0005.dat"
    oracle.wrote("r0005.dat", D)
    good = {"f0001.txt": X, COPY: E, "d1/f0002.txt": B, "r0005.dat": D}
    return oracle, plan, good


def categories(reasons):
    return sorted({r.split("]")[0] + "]" for r in reasons})


class ConvergedChecks(unittest.TestCase):
    def check(self, tree, records=({"path": "f0001.txt", "conflictCopyPath": COPY, "runId": "r1"},), chunks=()):
        oracle, plan, _ = scenario()
        rec = {}
        return categories(run_with(oracle, records, chunks).check_converged(plan, tree, rec))

    def test_the_expected_tree_passes(self):
        _, _, good = scenario()
        self.assertEqual([], self.check(good))

    def test_conflict_versions_may_be_either_way_round(self):
        _, _, good = scenario()
        self.assertEqual([], self.check(dict(good, **{"f0001.txt": E, COPY: X})))

    def test_a_missing_file_is_lost(self):
        _, _, good = scenario()
        del good["d1/f0002.txt"]
        self.assertEqual(["[lost]"], self.check(good))

    def test_an_older_version_is_lost(self):
        oracle, plan, good = scenario()
        plan.expect["d1/f0002.txt"] = C
        oracle.wrote("d1/f0002.txt", C)
        self.assertEqual(["[lost]"], categories(run_with(oracle, []).check_converged(plan, good, {})))

    def test_content_never_written_is_corrupt(self):
        _, _, good = scenario()
        self.assertEqual(["[corrupt]"], self.check(dict(good, **{"d1/f0002.txt": "0" * 64})))

    def test_a_conflict_copy_missing_loses_a_version(self):
        _, _, good = scenario()
        del good[COPY]
        self.assertEqual(["[lost]"], self.check(good))

    def test_two_conflict_copies_are_a_duplicate(self):
        _, _, good = scenario()
        good["f0001 (conflicted copy 2026-12-03 081501).txt"] = E
        self.assertEqual(["[duplicate]"], self.check(good))

    def test_the_old_name_of_a_renamed_file_is_a_duplicate(self):
        _, _, good = scenario()
        self.assertEqual(["[duplicate]"], self.check(dict(good, **{"f0004.txt": D})))

    def test_an_unknown_file_is_a_duplicate_and_corrupt(self):
        _, _, good = scenario()
        self.assertEqual(["[corrupt]", "[duplicate]"], self.check(dict(good, **{"zz.txt": B})))

    def test_a_deleted_file_coming_back(self):
        _, _, good = scenario()
        self.assertEqual(["[deleted]"], self.check(dict(good, **{"f0003.txt": C})))

    def test_a_conflict_copy_of_a_path_not_edited_on_both_sides_is_spurious(self):
        _, _, good = scenario()
        self.assertEqual(["[spurious]"], self.check(dict(good, **{"d1/f0002 (conflicted copy 2026-12-03 081500).txt": B})))

    def test_a_conflict_record_on_another_path_is_spurious(self):
        _, _, good = scenario()
        records = [{"path": "f0001.txt", "conflictCopyPath": COPY, "runId": "r1"},
                   {"path": "d1/f0002.txt", "conflictCopyPath": None, "runId": "r1"}]
        self.assertEqual(["[spurious]"], self.check(good, records))

    def test_a_temporary_name_and_chunks_left_on_the_server(self):
        _, _, good = scenario()
        self.assertIn("[temp]", self.check(dict(good, **{"d1/.ncsync-f0002.txt": B})))
        self.assertEqual(["[temp]"], self.check(good, chunks=["abc/00001"]))


class AtKill(unittest.TestCase):
    def test_a_torn_file_under_a_real_name(self):
        oracle, plan, good = scenario()
        run = run_with(oracle)
        run.trees = lambda: (good, dict(good, **{"r0005.dat": "0" * 64}))
        self.assertEqual(["[torn]"], categories(run.check_at_kill(plan)))
        run.trees = lambda: (good, good)
        self.assertEqual([], run.check_at_kill(plan))


class Names(unittest.TestCase):
    def test_conflict_copy_names(self):
        self.assertEqual("f0001.txt", conflict_base(COPY))
        self.assertEqual("d/x.tar", conflict_base("d/x (conflicted copy 2026-12-03 081500 2).tar"))
        self.assertEqual("noext", conflict_base("noext (conflicted copy 2026-12-03 081500)"))
        self.assertIsNone(conflict_base("f0001.txt"))


if __name__ == "__main__":
    unittest.main()
