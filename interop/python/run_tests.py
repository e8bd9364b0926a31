"""Run the interop suite verbosely and end with the line `N passed, M failed`."""

import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

suite = unittest.defaultTestLoader.loadTestsFromNames(["test_vectors", "test_rules", "test_attachments", "test_records", "test_devices", "test_link", "test_groups", "test_fanout", "test_pqratchet"])
result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
passed = result.testsRun - failed - len(result.skipped)
print(f"{passed} passed, {failed} failed")
sys.exit(0 if failed == 0 and passed > 0 else 1)
