// A JNI binding over include/sotto.h, as described in docs/NATIVE.md, with a
// conversation test as main(). Built and run by scripts/test-c.sh when a JDK
// is installed:
//   javac -h . SottoJni.java && gcc -shared -fPIC sotto_jni.c libsotto.a ... -o libsotto_jni.so
//   java -Djava.library.path=. SottoJni
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

final class SottoJni {
    static {
        System.loadLibrary("sotto_jni");
    }

    /** A failed libsotto call: `code` is the stable status code. */
    static final class SottoException extends RuntimeException {
        final int code;

        SottoException(int code, String message) {
            super(message + " (sotto status " + code + ")");
            this.code = code;
        }
    }

    // Handles are opaque jlong tokens; 0 means none.
    static native long accountNew();
    static native void accountFree(long account);
    static native void generateOneTimePrekeys(long account, int count);
    static native byte[] prekeyBundle(long account);
    static native long initiate(long account, byte[] bundle, byte[] localId, byte[] remoteId);
    /** Returns the session handle; plaintextOut[0] receives the first message. */
    static native long accept(long account, byte[] message, byte[] localId, byte[] remoteId,
                              byte[][] plaintextOut);
    static native byte[] encrypt(long session, byte[] plaintext);
    static native byte[] decrypt(long session, byte[] message);
    static native String safetyNumber(long session);
    static native void sessionFree(long session);

    private static int passed, failed;

    private static void check(boolean condition, String what) {
        if (condition) {
            passed++;
        } else {
            failed++;
            System.err.println("FAIL: " + what);
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    public static void main(String[] args) {
        long alice = accountNew(), bob = accountNew();
        generateOneTimePrekeys(bob, 2);
        byte[] bundle = prekeyBundle(bob);
        long aliceSession = initiate(alice, bundle, utf8("alice"), utf8("bob"));
        byte[] first = encrypt(aliceSession, utf8("Hallo aus Java"));
        byte[][] plaintext = new byte[1][];
        long bobSession = accept(bob, first, utf8("bob"), utf8("alice"), plaintext);
        check(Arrays.equals(plaintext[0], utf8("Hallo aus Java")), "accept");

        byte[][] batch = new byte[3][];
        for (int i = 0; i < 3; i++) batch[i] = encrypt(bobSession, utf8("reply " + i));
        for (int i : new int[] {2, 0, 1}) {
            check(Arrays.equals(decrypt(aliceSession, batch[i]), utf8("reply " + i)),
                  "out of order " + i);
        }
        try {
            decrypt(aliceSession, batch[0]);
            check(false, "replay must fail");
        } catch (SottoException e) {
            check(e.code == 10, "replay gives DUPLICATE_MESSAGE");
        }
        try {
            decrypt(aliceSession, new byte[0]);
            check(false, "empty message must fail");
        } catch (SottoException e) {
            check(e.code == 103, "empty message gives ZERO_LENGTH");
        }
        try {
            encrypt(alice, utf8("an account is not a session"));
            check(false, "wrong handle kind must fail");
        } catch (SottoException e) {
            check(e.code == 102, "WRONG_HANDLE_KIND");
        }
        String digits = safetyNumber(aliceSession);
        check(digits.length() == 60 && digits.equals(safetyNumber(bobSession)), "safety numbers");

        sessionFree(aliceSession);
        sessionFree(bobSession);
        accountFree(alice);
        accountFree(bob);
        try {
            sessionFree(aliceSession);
            check(false, "double free must fail");
        } catch (SottoException e) {
            check(e.code == 101, "double free gives INVALID_HANDLE");
        }
        System.out.println(passed + " passed, " + failed + " failed");
        System.exit(failed == 0 ? 0 : 1);
    }
}
