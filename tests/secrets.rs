//! Secrets: wiped from memory when dropped, never shown by `Debug`.
//!
//! (a) A global allocator wraps the system allocator. While a test "arms" it
//!     (per thread), every block freed by that thread is scanned for known
//!     secret bytes before it goes back to the system. Reallocations are
//!     routed through allocate + copy + free, so a block left behind by a
//!     growing `Vec` is scanned too. The secrets come from seeded generators
//!     and from the documented sealed-state layout (opened with the public
//!     AEAD primitive under the test's own storage key); none is computed by
//!     the code whose wiping is checked.
//! (b) Snapshot tests of `Debug` for every secret-bearing public type.
//!
//! This file is the only place of the crate with `unsafe` code (the core
//! itself forbids it): the allocator and the scan of a block being freed.

mod common;
use common::Fork;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};
use sotto::primitives::aead::{self, Algorithm};
use sotto::primitives::{Secret, ed25519, kem, x25519};
use sotto::{Account, PrekeyBundle, Session, SessionContext, StorageKey};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::RefCell;
use zeroize::Zeroize;

// ------------------------------------------------------------------ scanner

const CHUNK: usize = 16;
const MAX_PATTERNS: usize = 512;

struct ScanState {
    armed: bool,
    patterns: [[u8; CHUNK]; MAX_PATTERNS],
    count: usize,
    /// Blocks freed while armed.
    scanned: usize,
    /// Freed blocks that still held a secret chunk, with their sizes.
    leaks: usize,
    leak_sizes: [usize; 8],
}

thread_local! {
    static STATE: RefCell<ScanState> = const {
        RefCell::new(ScanState {
            armed: false,
            patterns: [[0; CHUNK]; MAX_PATTERNS],
            count: 0,
            scanned: 0,
            leaks: 0,
            leak_sizes: [0; 8],
        })
    };
}

struct ScanningAllocator;

#[global_allocator]
static ALLOCATOR: ScanningAllocator = ScanningAllocator;

/// Scans a block that is about to be freed, if this thread is armed.
///
/// # Safety
/// `ptr` must point to a live allocation of at least `size` bytes.
unsafe fn scan(ptr: *const u8, size: usize) {
    let _ = STATE.try_with(|state| {
        let Ok(mut state) = state.try_borrow_mut() else {
            return;
        };
        if !state.armed {
            return;
        }
        state.scanned += 1;
        // SAFETY: the caller guarantees `ptr..ptr + size` is one live
        // allocation. Bytes are read one at a time with `read_volatile`,
        // never through a reference, because parts of a block may never have
        // been written (this test never runs under Miri).
        let byte = |i: usize| unsafe { ptr.add(i).read_volatile() };
        let found = size >= CHUNK
            && (0..=size - CHUNK).any(|i| {
                let first = byte(i);
                state.patterns[..state.count]
                    .iter()
                    .any(|p| p[0] == first && (1..CHUNK).all(|j| byte(i + j) == p[j]))
            });
        if found {
            let slot = state.leaks;
            if let Some(entry) = state.leak_sizes.get_mut(slot) {
                *entry = size;
            }
            state.leaks += 1;
        }
    });
}

// SAFETY: every method forwards to `System` with the caller's layout; the
// only addition is reading a block (with `scan`) just before it is freed,
// which does not change what is allocated or freed.
unsafe impl GlobalAlloc for ScanningAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's (valid, non-zero-size) layout.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` is a live block of `layout.size()` bytes allocated by
        // this allocator (the caller's contract), freed right after the scan.
        unsafe {
            scan(ptr, layout.size());
            System.dealloc(ptr, layout);
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // Allocate, copy, then free (and so scan) the old block, instead of
        // letting the system resize in place or move the bytes unseen.
        // SAFETY: the caller guarantees `layout` describes the live block at
        // `ptr` and that `new_size` with `layout.align()` is a valid layout.
        unsafe {
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let new_ptr = System.alloc(new_layout);
            if !new_ptr.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new_ptr, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new_ptr
        }
    }
}

/// Starts scanning this thread's frees for every 16-byte chunk of `secrets`.
fn arm(secrets: &[&[u8]]) {
    STATE.with(|state| {
        let mut state = state.borrow_mut();
        state.count = 0;
        for secret in secrets {
            assert!(secret.len() >= CHUNK);
            for start in (0..=secret.len() - CHUNK).step_by(CHUNK) {
                let index = state.count;
                state.patterns[index].copy_from_slice(&secret[start..start + CHUNK]);
                state.count += 1;
            }
        }
        state.scanned = 0;
        state.leaks = 0;
        state.leak_sizes = [0; 8];
        state.armed = true;
    });
}

/// Stops scanning; returns (blocks scanned, blocks that still held a secret,
/// sizes of the first of those).
fn disarm() -> (usize, usize, Vec<usize>) {
    let (scanned, leaks, sizes) = STATE.with(|state| {
        let mut state = state.borrow_mut();
        state.armed = false;
        let sizes = state.leak_sizes;
        (state.scanned, state.leaks, sizes)
    });
    (
        scanned,
        leaks,
        sizes.iter().copied().take(leaks.min(8)).collect(),
    )
}

/// Runs `f` armed with `secrets`; returns what the scanner saw.
fn watch(secrets: &[&[u8]], f: impl FnOnce()) -> (usize, usize, Vec<usize>) {
    arm(secrets);
    f();
    disarm()
}

// ------------------------------------------------- secrets from sealed state

const KEY: [u8; 32] = [0x3c; 32];
const SEALED_LABEL: &[u8] = b"Sotto v1 sealed state";

/// The serialized state inside a sealed object (src/sealed.rs layout).
fn open_sealed(sealed: &[u8], kind: u8) -> Vec<u8> {
    let mut ad = SEALED_LABEL.to_vec();
    ad.extend_from_slice(&[1, kind]);
    aead::open(
        Algorithm::XChaCha20Poly1305,
        &KEY,
        &sealed[2..26],
        &ad,
        &sealed[26..],
    )
    .unwrap()
}

struct Cursor<'a>(&'a [u8]);
impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, tail) = self.0.split_at(n);
        self.0 = tail;
        head
    }
    fn u8(&mut self) -> u8 {
        self.take(1)[0]
    }
    fn u16(&mut self) -> usize {
        usize::from(u16::from_be_bytes(self.take(2).try_into().unwrap()))
    }
    fn flag(&mut self) -> bool {
        match self.u8() {
            0 => false,
            1 => true,
            other => panic!("flag {other}"),
        }
    }
}

/// Every secret of an account, from its serialization (src/account/persist.rs):
/// signing seed, agreement key, every X25519 prekey, every ML-KEM seed.
fn account_secrets(account: &Account) -> Vec<Vec<u8>> {
    let sealed = account
        .seal(
            &StorageKey::from_bytes(KEY),
            &mut ChaCha20Rng::seed_from_u64(0),
        )
        .unwrap();
    let mut state = open_sealed(&sealed, 0x04);
    let mut c = Cursor(&state);
    let mut secrets = Vec::new();
    assert_eq!(c.u8(), 2, "account state format 2 (PROTOCOL.md §9.3)");
    secrets.push(c.take(32).to_vec());
    secrets.push(c.take(32).to_vec());
    c.take(4);
    for (list, key_len) in [32, 32, 64, 64].into_iter().enumerate() {
        for _ in 0..c.u16() {
            c.take(4);
            c.flag();
            secrets.push(c.take(key_len).to_vec());
            if list == 0 {
                // A signed prekey's accepted base keys (public values).
                let base_keys = c.u16();
                c.take(32 * base_keys);
            }
        }
    }
    assert!(c.0.is_empty());
    state.zeroize();
    secrets
}

/// Every secret of a session, from its serialization (src/session.rs and
/// src/ratchet.rs): root key, ratchet private key, chain keys, header keys
/// and skipped message keys.
fn session_secrets(session: &Session) -> Vec<Vec<u8>> {
    let sealed = session
        .seal(
            &StorageKey::from_bytes(KEY),
            &mut ChaCha20Rng::seed_from_u64(0),
        )
        .unwrap();
    let mut state = open_sealed(&sealed, 0x05);
    let mut c = Cursor(&state);
    let mut secrets = Vec::new();
    let mut secret = |c: &mut Cursor| secrets.push(c.take(32).to_vec());
    assert_eq!(c.u8(), 1);
    c.take(2 + 32 + 32 + 130 + 130);
    secret(&mut c); // root key
    secret(&mut c); // our ratchet private key
    if c.flag() {
        c.take(32); // their ratchet public key
    }
    if c.flag() {
        secret(&mut c); // sending chain key
        c.take(4);
    }
    c.take(4);
    if c.flag() {
        secret(&mut c); // sending header key
    }
    secret(&mut c); // next sending header key
    let skipped = |c: &mut Cursor, secret: &mut dyn FnMut(&mut Cursor)| {
        for _ in 0..c.u16() {
            c.take(4);
            secret(c);
        }
    };
    if c.flag() {
        secret(&mut c); // receiving header key
        secret(&mut c); // receiving chain key
        c.take(4);
        skipped(&mut c, &mut secret);
    }
    secret(&mut c); // next receiving header key
    for _ in 0..c.u8() {
        secret(&mut c); // retired header key
        skipped(&mut c, &mut secret);
    }
    c.flag();
    let _ = c;
    state.zeroize();
    secrets
}

fn refs(secrets: &[Vec<u8>]) -> Vec<&[u8]> {
    secrets.iter().map(Vec::as_slice).collect()
}

fn random<const N: usize>(rng: &mut ChaCha20Rng) -> [u8; N] {
    let mut out = [0u8; N];
    rng.fill_bytes(&mut out);
    out
}

// ------------------------------------------------------ (a) wiped on drop

#[test]
fn the_scanner_finds_secrets_left_in_freed_memory() {
    // Positive control: plain (non-secret) containers are not wiped, and the
    // scanner reports them.
    let bytes: [u8; 32] = random(&mut ChaCha20Rng::seed_from_u64(1));
    let boxed = Box::new(bytes);
    let vec = bytes.to_vec();
    let (scanned, leaks, _) = watch(&[&bytes], || {
        drop(boxed);
        drop(vec);
    });
    assert_eq!((scanned, leaks), (2, 2));
    // Nothing else is reported as a leak.
    let other = Box::new([0u8; 64]);
    let (scanned, leaks, _) = watch(&[&bytes], || drop(other));
    assert_eq!((scanned, leaks), (1, 0));
}

#[test]
fn storage_keys_and_secrets_are_wiped_on_drop() {
    let mut rng = ChaCha20Rng::seed_from_u64(2);
    let a: [u8; 32] = random(&mut rng);
    let b: [u8; 64] = random(&mut rng);
    let key = Box::new(StorageKey::from_bytes(a));
    let secret32 = Box::new(Secret::from_bytes(a));
    let secret64 = Box::new(Secret::from_bytes(b));
    let (scanned, leaks, sizes) = watch(&[&a, &b], || {
        drop(key);
        drop(secret32);
        drop(secret64);
    });
    assert_eq!(scanned, 3);
    assert_eq!(
        leaks, 0,
        "freed blocks of sizes {sizes:?} still held the secret"
    );
}

#[test]
fn private_keys_are_wiped_on_drop() {
    let mut rng = ChaCha20Rng::seed_from_u64(3);
    let x: [u8; 32] = random(&mut rng);
    let ed: [u8; 32] = random(&mut rng);
    let pq: [u8; 64] = random(&mut rng);
    let x_key = Box::new(x25519::PrivateKey::from_bytes(x));
    let ed_key = Box::new(ed25519::PrivateKey::from_seed(Secret::from_bytes(ed)));
    let pq_key = Box::new(kem::PrivateKey::from_seed(Secret::from_bytes(pq)));
    for (name, (scanned, leaks, sizes)) in [
        ("x25519", watch(&[&x], || drop(x_key))),
        ("ed25519", watch(&[&ed], || drop(ed_key))),
        // The seed is d || z; the expanded key keeps z (FIPS 203).
        ("ml-kem-768", watch(&[&pq], || drop(pq_key))),
    ] {
        assert_eq!(scanned, 1, "{name}");
        assert_eq!(
            leaks, 0,
            "{name}: freed block of size {sizes:?} still held the key"
        );
    }
}

#[test]
fn accounts_are_wiped_on_drop() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let mut account = Account::new(&mut rng).unwrap();
    account.generate_one_time_prekeys(3, &mut rng).unwrap();
    let _ = account.prekey_bundle().unwrap();
    let secrets = account_secrets(&account);
    assert_eq!(secrets.len(), 2 + 1 + 3 + 1 + 3);
    let account = Box::new(account);
    let (scanned, leaks, sizes) = watch(&refs(&secrets), || drop(account));
    assert!(scanned >= 5, "the account's blocks were freed ({scanned})");
    assert_eq!(
        leaks, 0,
        "freed blocks of sizes {sizes:?} still held account secrets"
    );
}

fn ctx_a() -> SessionContext<'static> {
    SessionContext::new(b"a", b"b")
}
fn ctx_b() -> SessionContext<'static> {
    SessionContext::new(b"b", b"a")
}

/// A conversation that leaves Bob with skipped keys in a current and a
/// retired chain. With `use_skipped`, Bob then reads one skipped message in
/// the middle of a chain.
fn conversation(seed: u64, use_skipped: bool) -> (Session, Session) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let alice_account = Account::new(&mut rng).unwrap();
    let mut bob_account = Account::new(&mut rng).unwrap();
    let bundle =
        PrekeyBundle::from_bytes(&bob_account.prekey_bundle().unwrap().to_bytes()).unwrap();
    let mut alice = Session::initiate(&alice_account, &bundle, &ctx_a(), &mut rng).unwrap();
    let held: Vec<Vec<u8>> = (0..3)
        .map(|_| alice.encrypt(b"early", &mut rng).unwrap())
        .collect();
    let last = alice.encrypt(b"last", &mut rng).unwrap();
    let (mut bob, _) = Session::accept(&mut bob_account, &last, &ctx_b()).unwrap();
    let reply = bob.encrypt(b"reply", &mut rng).unwrap();
    alice.decrypt(&reply).unwrap();
    let more: Vec<Vec<u8>> = (0..4)
        .map(|_| alice.encrypt(b"more", &mut rng).unwrap())
        .collect();
    bob.decrypt(&more[3]).unwrap();
    if use_skipped {
        bob.decrypt(&held[0]).unwrap();
        bob.decrypt(&more[1]).unwrap();
    }
    (alice, bob)
}

#[test]
fn sessions_are_wiped_on_drop() {
    let (alice, bob) = conversation(5, false);
    for session in [alice, bob] {
        let secrets = session_secrets(&session);
        assert!(secrets.len() >= 6);
        let session = Box::new(session);
        let (scanned, leaks, sizes) = watch(&refs(&secrets), || drop(session));
        assert!(scanned >= 1);
        assert_eq!(
            leaks, 0,
            "freed blocks of sizes {sizes:?} still held session secrets"
        );
    }
}

#[test]
fn sessions_are_wiped_on_drop_after_reading_skipped_messages() {
    // Reading a skipped key removes it from the middle of a vector: the
    // shifted tail must not leave a copy of a key behind.
    let (_, bob) = conversation(6, true);
    let secrets = session_secrets(&bob);
    let bob = Box::new(bob);
    let (scanned, leaks, sizes) = watch(&refs(&secrets), || drop(bob));
    assert!(
        scanned >= 3,
        "the skipped-key vectors were freed ({scanned})"
    );
    assert_eq!(
        leaks, 0,
        "freed blocks of sizes {sizes:?} still held session secrets"
    );
}

/// Records every random byte string a generator hands out of at least 32
/// bytes (private keys, seeds, KEM randomness; not 24-byte nonces).
struct Recording {
    inner: ChaCha20Rng,
    drawn: Vec<Vec<u8>>,
}
impl rand_core::TryRng for Recording {
    type Error = core::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        Ok(self.inner.next_u32())
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        Ok(self.inner.next_u64())
    }
    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
        self.inner.fill_bytes(dst);
        if dst.len() >= 32 {
            self.drawn.push(dst.to_vec());
        }
        Ok(())
    }
}
impl rand_core::TryCryptoRng for Recording {}

fn account_lifecycle(rng: &mut Recording) -> Account {
    let key = StorageKey::from_bytes(KEY);
    let mut account = Account::new(rng).unwrap();
    for _ in 0..3 {
        account.rotate_signed_prekey(rng).unwrap();
        account.rotate_last_resort_prekey(rng).unwrap();
    }
    // Retired prekeys, no one-time prekeys: a larger state than the initial
    // serialization buffer.
    let _ = account.seal(&key, rng).unwrap();
    account.generate_one_time_prekeys(4, rng).unwrap();
    let _ = account.prekey_bundle().unwrap();
    let _ = account.seal(&key, rng).unwrap();
    account
}

#[test]

fn an_account_never_frees_unwiped_secrets_during_its_life() {
    // First run: learn every private key the account draws. Second run, same
    // seed, armed from the start: no freed block may hold any of them.
    let mut first = Recording {
        inner: ChaCha20Rng::seed_from_u64(7),
        drawn: Vec::new(),
    };
    drop(account_lifecycle(&mut first));
    let secrets = first.drawn;
    let mut second = Recording {
        inner: ChaCha20Rng::seed_from_u64(7),
        drawn: Vec::with_capacity(64),
    };
    let (scanned, leaks, sizes) = watch(&refs(&secrets), || drop(account_lifecycle(&mut second)));
    assert!(scanned > 10);
    assert_eq!(second.drawn, secrets, "the two runs differ");
    assert_eq!(
        leaks, 0,
        "freed blocks of sizes {sizes:?} still held account secrets"
    );
}

/// Regressions for leaks this file found (fixed in the core): each operation
/// alone, armed only around it.
#[test]
fn generating_one_time_prekeys_leaves_no_key_in_freed_memory() {
    let mut account = Account::new(&mut ChaCha20Rng::seed_from_u64(12)).unwrap();
    let mut rng = Recording {
        inner: ChaCha20Rng::seed_from_u64(13),
        drawn: Vec::with_capacity(64),
    };
    // Learn the keys from an identical generator first.
    let mut probe = account.fork();
    let mut first = Recording {
        inner: ChaCha20Rng::seed_from_u64(13),
        drawn: Vec::new(),
    };
    probe.generate_one_time_prekeys(4, &mut first).unwrap();
    let secrets = first.drawn;
    let (_, leaks, sizes) = watch(&refs(&secrets), || {
        account.generate_one_time_prekeys(4, &mut rng).unwrap();
    });
    assert_eq!(account.one_time_prekey_counts(), (4, 4));
    assert_eq!(
        leaks, 0,
        "freed blocks of sizes {sizes:?} still held new prekeys"
    );
}

#[test]
fn sealing_leaves_no_secret_in_freed_memory() {
    let mut rng = ChaCha20Rng::seed_from_u64(14);
    let mut account = Account::new(&mut rng).unwrap();
    for _ in 0..2 {
        account.rotate_signed_prekey(&mut rng).unwrap();
        account.rotate_last_resort_prekey(&mut rng).unwrap();
    }
    let secrets = account_secrets(&account);
    let key = StorageKey::from_bytes(KEY);
    let (_, leaks, sizes) = watch(&refs(&secrets), || {
        drop(account.seal(&key, &mut rng).unwrap())
    });
    let account_leaks = (leaks, sizes);
    // A session with 29 skipped keys: its state is larger than 1024 bytes.
    let mut accounts = accounts(15);
    let mut alice =
        Session::initiate(&accounts.alice, &accounts.bundle, &ctx_a(), &mut rng).unwrap();
    let batch: Vec<Vec<u8>> = (0..30)
        .map(|_| alice.encrypt(b"x", &mut rng).unwrap())
        .collect();
    let (bob, _) = Session::accept(&mut accounts.bob, &batch[29], &ctx_b()).unwrap();
    let secrets = session_secrets(&bob);
    assert!(secrets.len() > 29);
    let (_, leaks, sizes) = watch(&refs(&secrets), || drop(bob.seal(&key, &mut rng).unwrap()));
    assert_eq!(
        account_leaks.0, 0,
        "account: freed blocks {:?}",
        account_leaks.1
    );
    assert_eq!(leaks, 0, "session: freed blocks {sizes:?}");
}

struct Accounts {
    alice: Account,
    bob: Account,
    bundle: PrekeyBundle,
}

fn accounts(seed: u64) -> Accounts {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let alice = Account::new(&mut rng).unwrap();
    let mut bob = Account::new(&mut rng).unwrap();
    bob.generate_one_time_prekeys(1, &mut rng).unwrap();
    let bundle = bob.prekey_bundle().unwrap();
    Accounts { alice, bob, bundle }
}

/// Handshake, 40 messages out of order (skipped keys in several chains),
/// ratchet turns, and sealing: the state grows and shrinks.
fn session_lifecycle(accounts: &mut Accounts, rng: &mut Recording) -> (Session, Session) {
    let key = StorageKey::from_bytes(KEY);
    let mut alice = Session::initiate(&accounts.alice, &accounts.bundle, &ctx_a(), rng).unwrap();
    let mut batch: Vec<Vec<u8>> = (0..20)
        .map(|_| alice.encrypt(b"batch", rng).unwrap())
        .collect();
    let (mut bob, _) = Session::accept(&mut accounts.bob, &batch[19], &ctx_b()).unwrap();
    for turn in 0..3 {
        let _ = bob.seal(&key, rng).unwrap();
        for message in batch.iter().rev().skip(1).step_by(2) {
            bob.decrypt(message).unwrap();
        }
        let replies: Vec<Vec<u8>> = (0..5)
            .map(|_| bob.encrypt(b"reply", rng).unwrap())
            .collect();
        alice.decrypt(&replies[4]).unwrap();
        alice.decrypt(&replies[turn]).unwrap();
        batch = (0..20)
            .map(|_| alice.encrypt(b"batch", rng).unwrap())
            .collect();
        bob.decrypt(&batch[19]).unwrap();
        let _ = alice.seal(&key, rng).unwrap();
    }
    (alice, bob)
}

#[test]

fn a_session_never_frees_unwiped_secrets_during_its_life() {
    // First run: learn the session's random private values and its final
    // keys. Second run, same seeds, armed from the start (after the accounts
    // exist): no freed block may hold any of them.
    let mut first = Recording {
        inner: ChaCha20Rng::seed_from_u64(11),
        drawn: Vec::new(),
    };
    let (alice, bob) = session_lifecycle(&mut accounts(10), &mut first);
    let mut secrets = first.drawn;
    secrets.extend(session_secrets(&alice));
    secrets.extend(session_secrets(&bob));
    drop((alice, bob));
    assert!(secrets.len() > 40, "{}", secrets.len());

    let mut fresh = accounts(10);
    let mut second = Recording {
        inner: ChaCha20Rng::seed_from_u64(11),
        drawn: Vec::with_capacity(256),
    };
    let (scanned, leaks, sizes) = watch(&refs(&secrets), || {
        drop(session_lifecycle(&mut fresh, &mut second));
    });
    assert!(scanned > 100);
    assert_eq!(
        leaks, 0,
        "freed blocks of sizes {sizes:?} still held session secrets"
    );
}

// ------------------------------------------------------ (b) Debug redacted

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// No rendering of any 6-byte window of any secret: lower/upper-case hex,
/// decimal list (`[u8]` Debug) or hex list (`{:x?}`).
fn assert_reveals_nothing(shown: &str, secrets: &[Vec<u8>]) {
    for secret in secrets {
        for window in secret.windows(6) {
            let lower = hex(window);
            let decimal = format!("{window:?}");
            let decimal = &decimal[1..decimal.len() - 1];
            let hex_list = format!("{window:x?}");
            let hex_list = &hex_list[1..hex_list.len() - 1];
            assert!(!shown.contains(&lower), "hex of a secret in {shown}");
            assert!(
                !shown.contains(&lower.to_uppercase()),
                "HEX of a secret in {shown}"
            );
            assert!(
                !shown.contains(decimal),
                "decimal bytes of a secret in {shown}"
            );
            assert!(!shown.contains(hex_list), "hex list of a secret in {shown}");
        }
    }
}

#[test]
fn debug_of_keys_and_secrets_is_redacted() {
    let mut rng = ChaCha20Rng::seed_from_u64(8);
    let a: [u8; 32] = random(&mut rng);
    let b: [u8; 64] = random(&mut rng);
    let secrets = vec![a.to_vec(), b.to_vec()];
    let ed = ed25519::PrivateKey::from_seed(Secret::from_bytes(a));
    let cases: Vec<(String, String)> = vec![
        (
            format!("{:?}", StorageKey::from_bytes(a)),
            "StorageKey(<redacted>)".into(),
        ),
        (
            format!("{:?}", Secret::from_bytes(a)),
            "Secret<32>(<redacted>)".into(),
        ),
        (
            format!("{:?}", Secret::from_bytes(b)),
            "Secret<64>(<redacted>)".into(),
        ),
        (
            format!("{:?}", x25519::PrivateKey::from_bytes(a)),
            "PrivateKey(Secret<32>(<redacted>))".into(),
        ),
        (
            format!("{ed:?}"),
            format!(
                "ed25519::PrivateKey {{ public: {}, .. }}",
                hex(&ed.public_key())
            ),
        ),
        (
            format!("{:?}", kem::PrivateKey::from_seed(Secret::from_bytes(b))),
            "ml_kem_768::PrivateKey(<redacted>)".into(),
        ),
    ];
    for (shown, expected) in cases {
        assert_eq!(shown, expected);
        assert_reveals_nothing(&shown, &secrets);
    }
    // Pretty-printed forms too.
    assert_reveals_nothing(&format!("{ed:#?}"), &secrets);
    assert_reveals_nothing(&format!("{:#?}", StorageKey::from_bytes(a)), &secrets);
}

#[test]
fn debug_of_accounts_sessions_and_bundles_shows_only_public_data() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let mut bob_account = Account::new(&mut rng).unwrap();
    bob_account.generate_one_time_prekeys(2, &mut rng).unwrap();
    let alice_account = Account::new(&mut rng).unwrap();
    let bundle = bob_account.prekey_bundle().unwrap();
    let mut alice = Session::initiate(&alice_account, &bundle, &ctx_a(), &mut rng).unwrap();
    let first = alice.encrypt(b"hi", &mut rng).unwrap();
    let (bob, _) = Session::accept(&mut bob_account, &first, &ctx_b()).unwrap();

    let mut secrets = account_secrets(&bob_account);
    secrets.extend(account_secrets(&alice_account));
    secrets.extend(session_secrets(&alice));
    secrets.extend(session_secrets(&bob));

    let identity = |id: &sotto::IdentityKey| {
        format!(
            "IdentityKey {{ signing: {}, agreement: {}, .. }}",
            hex(id.signing_key()),
            hex(id.agreement_key())
        )
    };
    assert_eq!(
        format!("{bob_account:?}"),
        format!(
            "Account {{ identity: {}, signed_prekeys: 1, last_resort_prekeys: 1, \
             one_time_prekeys: 1, one_time_kem_prekeys: 1, .. }}",
            identity(bob_account.identity_key())
        )
    );
    assert_eq!(
        format!("{alice:?}"),
        format!(
            "Session {{ id: SessionId({}), role: Initiator, remote_identity: {}, awaiting_reply: true, .. }}",
            hex(alice.id().as_bytes()),
            identity(bob_account.identity_key())
        )
    );
    assert_eq!(
        format!("{bob:?}"),
        format!(
            "Session {{ id: SessionId({}), role: Responder, remote_identity: {}, awaiting_reply: false, .. }}",
            hex(bob.id().as_bytes()),
            identity(alice_account.identity_key())
        )
    );
    for shown in [
        format!("{bob_account:?}"),
        format!("{bob_account:#?}"),
        format!("{alice_account:#?}"),
        format!("{alice:?}"),
        format!("{alice:#?}"),
        format!("{bob:#?}"),
        format!("{bundle:?}"),
        format!("{bundle:#?}"),
        format!("{:?}", sotto::PrekeyMessage::from_bytes(&first).unwrap()),
        format!("{:?}", alice.safety_number()),
    ] {
        assert_reveals_nothing(&shown, &secrets);
    }
}
