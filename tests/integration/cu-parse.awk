# Turn iscsi-test-cu -v output into lines "PASS|FAIL|SKIP Suite.Test".
# CUnit reports a skipped test as passed; a [SKIPPED] line inside the test
# makes it a skip here.
/^Suite: / { suite = $2; next }
/^  Test: / {
	test = $2; skipped = 0; done = 0
	line = $0
	if (line ~ /\[SKIPPED\]/) skipped = 1
	if (line ~ /\.\.\.passed$/) { print (skipped ? "SKIP " : "PASS ") suite "." test; done = 1 }
	else if (line ~ /FAILED$/) { print "FAIL " suite "." test; done = 1 }
	next
}
/\[SKIPPED\]/ { skipped = 1; next }
/^passed$/ { if (!done && test != "") { print (skipped ? "SKIP " : "PASS ") suite "." test; done = 1 } next }
/^FAILED$/ { if (!done && test != "") { print "FAIL " suite "." test; done = 1 } next }
