#!/usr/bin/env bash
# The C ABI (libsotto.a / libsotto.so, include/sotto.h), tested from C and
# Python:
#   1. installs what is missing (cbindgen, gcc, valgrind, python3);
#   2. rustfmt, clippy and the Rust unit tests of bindings/c;
#   3. builds the libraries (release profile) and fails if include/sotto.h is
#      stale (regenerated to a temporary file and diffed);
#   4. runs the C suites (tests/c/test_sotto.c, and test_records.c,
#      test_devices.c, test_groups.c, test_contacts.c, test_negotiation.c)
#      linked statically, linked dynamically,
#      under AddressSanitizer + UBSan, and under valgrind;
#   5. runs the Python ctypes test against libsotto.so;
#   6. checks that the README's C quickstart is tests/c/quickstart.c, then
#      compiles and runs it;
#   7. prints counts and library sizes.
# Honours CARGO_TARGET_DIR (default: target/).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

step() { echo; echo "--- [c] $* ($(date -u +%H:%M:%S))"; }

# ---- 1. prerequisites (idempotent) ---------------------------------------
step "prerequisites"
ensure_cargo_tool cbindgen "$SOTTO_CBINDGEN" "cbindgen --version" --locked
command -v gcc >/dev/null || apt_install gcc libc6-dev
command -v valgrind >/dev/null || apt_install valgrind
command -v python3 >/dev/null || apt_install python3
LIB_DIR=$(cargo_target_dir)/release
echo "artifacts: $LIB_DIR"
echo "cbindgen $(tool_version "cbindgen --version"), $(gcc --version | head -1), $(valgrind --version), $(python3 --version)"

# ---- 2. Rust side ----------------------------------------------------------
step "rustfmt, clippy, unit tests (sotto-ffi)"
cargo fmt -p sotto-ffi -- --check
# --no-deps: lint this crate only (the core is linted by scripts/test-core.sh).
cargo clippy -p sotto-ffi --no-deps --all-targets -- -D warnings
cargo test -p sotto-ffi --release --quiet

# ---- 3. build, header freshness --------------------------------------------
step "build libsotto (release)"
cargo build -p sotto-ffi --release
test -f "$LIB_DIR/libsotto.a" && test -f "$LIB_DIR/libsotto.so"

step "include/sotto.h is up to date"
cbindgen --quiet --config bindings/c/cbindgen.toml --crate sotto-ffi \
  --output "$WORK/sotto.h" bindings/c
if ! diff -u include/sotto.h "$WORK/sotto.h"; then
  echo "include/sotto.h is stale: regenerate it with" >&2
  echo "  cbindgen --config bindings/c/cbindgen.toml --crate sotto-ffi --output include/sotto.h bindings/c" >&2
  exit 1
fi
# The header compiles as strict C and as C++, and every declared function is
# exported by the shared library (and nothing else is).
gcc -std=c99 -Wall -Wextra -pedantic -Werror -fsyntax-only -x c include/sotto.h
if command -v g++ >/dev/null; then g++ -std=c++11 -Wall -Werror -fsyntax-only -x c++ include/sotto.h; fi
grep -oE '\bsotto_[a-z0-9_]+\(' include/sotto.h | tr -d '(' | sort -u >"$WORK/declared"
nm -D --defined-only "$LIB_DIR/libsotto.so" | awk '{print $3}' | sort -u >"$WORK/exported"
diff -u "$WORK/declared" "$WORK/exported"
echo "header ok: $(wc -l <"$WORK/declared") functions, all exported, nothing else exported"

# ---- 4. the C suite ---------------------------------------------------------
CFLAGS=(-std=c11 -Wall -Wextra -Werror -g -Iinclude)
LIBS=(-lpthread -ldl -lm)
results=()
run_suite() { # name, command...
  local name=$1; shift
  local out=$WORK/$name.log
  if ! "$@" >"$out" 2>&1; then cat "$out"; echo "[c] $name FAILED" >&2; exit 1; fi
  local line; line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$out" | tail -1)
  echo "$name: $line"
  results+=("$name: $line")
}

step "C suite: static library"
gcc "${CFLAGS[@]}" -O1 tests/c/test_sotto.c "$LIB_DIR/libsotto.a" "${LIBS[@]}" -o "$WORK/test_static"
run_suite "C (static)" "$WORK/test_static"

step "C suite: shared library"
gcc "${CFLAGS[@]}" -O1 tests/c/test_sotto.c -L"$LIB_DIR" -lsotto -Wl,-rpath,"$LIB_DIR" "${LIBS[@]}" -o "$WORK/test_shared"
ldd "$WORK/test_shared" | grep -q "$LIB_DIR/libsotto.so"
run_suite "C (shared)" "$WORK/test_shared"

step "C suite: AddressSanitizer + UBSan (static library)"
gcc "${CFLAGS[@]}" -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  tests/c/test_sotto.c "$LIB_DIR/libsotto.a" "${LIBS[@]}" -o "$WORK/test_asan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  run_suite "C (ASan+UBSan)" "$WORK/test_asan"
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$WORK/C (ASan+UBSan).log"; then
  cat "$WORK/C (ASan+UBSan).log"; exit 1
fi
echo "sanitizers: no reports"

step "C suite: valgrind (static library, no sanitizers)"
run_suite "C (valgrind)" valgrind --leak-check=full --error-exitcode=1 "$WORK/test_static"
grep -E 'ERROR SUMMARY|definitely lost|indirectly lost|possibly lost|All heap blocks' "$WORK/C (valgrind).log" | sed 's/^==[0-9]*== */valgrind: /'
grep -q 'ERROR SUMMARY: 0 errors' "$WORK/C (valgrind).log"

# The suites of records, people, linking, groups, sending to a person and
# ratchet negotiation (tests/c/test_*.c with
# tests/c/check.h), built and run the same four ways.
for suite in test_records test_devices test_groups test_contacts test_negotiation; do
  step "C suite $suite: static, shared, ASan+UBSan, valgrind"
  gcc "${CFLAGS[@]}" -O1 "tests/c/$suite.c" "$LIB_DIR/libsotto.a" "${LIBS[@]}" -o "$WORK/${suite}_static"
  run_suite "$suite (static)" "$WORK/${suite}_static"
  gcc "${CFLAGS[@]}" -O1 "tests/c/$suite.c" -L"$LIB_DIR" -lsotto -Wl,-rpath,"$LIB_DIR" "${LIBS[@]}" -o "$WORK/${suite}_shared"
  run_suite "$suite (shared)" "$WORK/${suite}_shared"
  gcc "${CFLAGS[@]}" -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
    "tests/c/$suite.c" "$LIB_DIR/libsotto.a" "${LIBS[@]}" -o "$WORK/${suite}_asan"
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    run_suite "$suite (ASan+UBSan)" "$WORK/${suite}_asan"
  if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$WORK/$suite (ASan+UBSan).log"; then
    cat "$WORK/$suite (ASan+UBSan).log"; exit 1
  fi
  run_suite "$suite (valgrind)" valgrind --leak-check=full --error-exitcode=1 "$WORK/${suite}_static"
  grep -q 'ERROR SUMMARY: 0 errors' "$WORK/$suite (valgrind).log"
done

# ---- 5. Python through the same ABI -----------------------------------------
step "Python ctypes test (libsotto.so)"
run_suite "Python (ctypes)" python3 tests/python/test_ctypes.py "$LIB_DIR/libsotto.so"

step "Java through a JNI shim (tests/c/jni; skipped without a JDK)"
if command -v javac >/dev/null && command -v java >/dev/null; then
  java_home=$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")
  mkdir -p "$WORK/jni"
  javac -d "$WORK/jni" -h "$WORK/jni" tests/c/jni/SottoJni.java
  gcc -std=c11 -Wall -Wextra -Werror -shared -fPIC -Iinclude -I"$WORK/jni" \
    -I"$java_home/include" -I"$java_home/include/linux" tests/c/jni/sotto_jni.c \
    "$LIB_DIR/libsotto.a" "${LIBS[@]}" -o "$WORK/jni/libsotto_jni.so"
  run_suite "Java (JNI)" java -Xcheck:jni -Djava.library.path="$WORK/jni" -cp "$WORK/jni" SottoJni
else
  echo "no JDK: JNI example skipped"
fi

# ---- 6. README quickstart ----------------------------------------------------
step "README C quickstart"
awk '/<!-- c-quickstart:start -->/{inside=1; next} /<!-- c-quickstart:end -->/{inside=0}
     inside && /^```c$/{code=1; next} code && /^```$/{code=0; exit} code' README.md >"$WORK/readme_quickstart.c"
if ! diff -u tests/c/quickstart.c "$WORK/readme_quickstart.c"; then
  echo "the README's C quickstart differs from tests/c/quickstart.c (update the README block)" >&2
  exit 1
fi
gcc "${CFLAGS[@]}" -O2 "$WORK/readme_quickstart.c" "$LIB_DIR/libsotto.a" "${LIBS[@]}" -o "$WORK/quickstart"
"$WORK/quickstart" | tee "$WORK/quickstart.log"
grep -q "Safety numbers match: yes" "$WORK/quickstart.log"
grep -q "Alice reads: Now we are." "$WORK/quickstart.log"
valgrind -q --leak-check=full --error-exitcode=1 "$WORK/quickstart" >/dev/null
gcc "${CFLAGS[@]}" -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
  "$WORK/readme_quickstart.c" "$LIB_DIR/libsotto.a" "${LIBS[@]}" -o "$WORK/quickstart_asan"
"$WORK/quickstart_asan" >/dev/null
results+=("README quickstart: compiled, ran, clean under valgrind and ASan+UBSan")

# ---- 7. summary ----------------------------------------------------------------
step "summary"
size_of() { stat -c %s "$1"; }
cp "$LIB_DIR/libsotto.a" "$WORK/s.a" && strip --strip-debug "$WORK/s.a"
cp "$LIB_DIR/libsotto.so" "$WORK/s.so" && strip "$WORK/s.so"
printf '%s\n' "${results[@]}"
printf 'libsotto.a : %9d bytes (%d with debug info stripped)\n' "$(size_of "$LIB_DIR/libsotto.a")" "$(size_of "$WORK/s.a")"
printf 'libsotto.so: %9d bytes (%d stripped)\n' "$(size_of "$LIB_DIR/libsotto.so")" "$(size_of "$WORK/s.so")"
