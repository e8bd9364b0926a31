//! Handles, the registry of live objects, and the panic/re-entrancy guard
//! every exported function runs in.
//!
//! A handle given to C is an opaque token, never dereferenced: it is a key
//! into a registry that maps it to a reference-counted object whose variant
//! is its kind tag. Looking a handle up therefore cannot touch freed or
//! foreign memory whatever the caller passes, and:
//! - NULL → `SOTTO_ERR_NULL_POINTER`;
//! - a token not in the registry (garbage, freed, double free) →
//!   `SOTTO_ERR_INVALID_HANDLE` (tokens are not reused: on 64-bit targets
//!   never, on 32-bit targets not before 2^28 handles were created);
//! - a live token of another kind → `SOTTO_ERR_WRONG_HANDLE_KIND`.
//!
//! Each object sits behind its own mutex, so concurrent calls on one handle
//! are serialized; freeing removes the registry's reference, and a call
//! already running on another thread keeps its own reference until it ends.

use crate::attachment::{AttachmentDecryptor, AttachmentEncryptor};
use crate::rng::CallbackRng;
use crate::status::{
    SOTTO_ERR_INVALID_HANDLE, SOTTO_ERR_NULL_POINTER, SOTTO_ERR_PANIC, SOTTO_ERR_POISONED,
    SOTTO_ERR_REENTRANT, SOTTO_ERR_WRONG_HANDLE_KIND, SOTTO_OK,
};
use sotto_core::contact::{Contact, Delivery};
use sotto_core::group::GroupSession;
use sotto_core::link::{LinkOffer, LinkedDevice};
use sotto_core::{Account, DeviceList, Session, SessionRecord, UserIdentity};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// A status code (0 = OK).
pub(crate) type Status = i32;
/// The result type of the internal functions.
pub(crate) type FfiResult<T> = Result<T, Status>;

/// An account: a device's identity and prekeys (opaque).
pub struct sotto_account {
    _opaque: [u8; 0],
}

/// A session with one peer device (opaque).
pub struct sotto_session {
    _opaque: [u8; 0],
}

/// A caller-provided random number source (opaque).
pub struct sotto_rng {
    _opaque: [u8; 0],
}

/// An attachment being encrypted, one chunk at a time (opaque).
pub struct sotto_attachment_encryptor {
    _opaque: [u8; 0],
}

/// An attachment being decrypted, one chunk at a time (opaque).
pub struct sotto_attachment_decryptor {
    _opaque: [u8; 0],
}

/// Every session with one peer device: the current one and the archived
/// ones that still decrypt late messages (opaque).
pub struct sotto_session_record {
    _opaque: [u8; 0],
}

/// A person's user identity: the key that signs their device list and
/// device certificates (opaque; it lives on the primary device only).
pub struct sotto_user_identity {
    _opaque: [u8; 0],
}

/// A person's verified device list, as held by a contact or by the person's
/// own devices (opaque).
pub struct sotto_device_list {
    _opaque: [u8; 0],
}

/// The new device's side of linking: its QR code and the keys to open the
/// primary's response (opaque, single use).
pub struct sotto_link_offer {
    _opaque: [u8; 0],
}

/// What a new device learnt when linking completed (opaque).
pub struct sotto_linked_device {
    _opaque: [u8; 0],
}

/// This device's state in one sender-key group (opaque).
pub struct sotto_group {
    _opaque: [u8; 0],
}

/// What one device holds about one person: the person's verified device
/// list and a session record per listed device (opaque).
pub struct sotto_contact {
    _opaque: [u8; 0],
}

/// The per-device report of one `sotto_send_to_person` call (opaque,
/// read-only).
pub struct sotto_delivery_report {
    _opaque: [u8; 0],
}

/// The kind tag of a live handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Account,
    Session,
    Rng,
    AttachmentEncryptor,
    AttachmentDecryptor,
    SessionRecord,
    UserIdentity,
    DeviceList,
    LinkOffer,
    LinkedDevice,
    Group,
    Contact,
    DeliveryReport,
}

/// A live object. The variant is the handle's kind tag.
// Objects live behind an `Arc`, one allocation each: the size difference
// between variants only costs a few kilobytes per random source.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Object {
    Account(Mutex<Account>),
    Session(Mutex<Session>),
    Rng(Mutex<CallbackRng>),
    AttachmentEncryptor(Mutex<AttachmentEncryptor>),
    AttachmentDecryptor(Mutex<AttachmentDecryptor>),
    SessionRecord(Mutex<SessionRecord>),
    UserIdentity(Mutex<UserIdentity>),
    DeviceList(Mutex<DeviceList>),
    LinkOffer(Mutex<LinkOffer>),
    LinkedDevice(Mutex<LinkedDevice>),
    Group(Mutex<GroupSession>),
    Contact(Mutex<Contact>),
    DeliveryReport(Mutex<Vec<Delivery>>),
}

impl Object {
    const fn kind(&self) -> Kind {
        match self {
            Object::Account(_) => Kind::Account,
            Object::Session(_) => Kind::Session,
            Object::Rng(_) => Kind::Rng,
            Object::AttachmentEncryptor(_) => Kind::AttachmentEncryptor,
            Object::AttachmentDecryptor(_) => Kind::AttachmentDecryptor,
            Object::SessionRecord(_) => Kind::SessionRecord,
            Object::UserIdentity(_) => Kind::UserIdentity,
            Object::DeviceList(_) => Kind::DeviceList,
            Object::LinkOffer(_) => Kind::LinkOffer,
            Object::LinkedDevice(_) => Kind::LinkedDevice,
            Object::Group(_) => Kind::Group,
            Object::Contact(_) => Kind::Contact,
            Object::DeliveryReport(_) => Kind::DeliveryReport,
        }
    }
}

/// Handle tokens start here and advance by 16, so they look like aligned,
/// non-NULL addresses but never collide with one another.
const TOKEN_BASE: usize = 0x5077_0000;
const TOKEN_STEP: usize = 16;

pub(crate) struct Registry {
    next: usize,
    handles: BTreeMap<usize, Arc<Object>>,
    /// Live output buffers: address → length.
    pub(crate) buffers: BTreeMap<usize, usize>,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    next: 0,
    handles: BTreeMap::new(),
    buffers: BTreeMap::new(),
});

/// Locks the registry. Its operations cannot leave it inconsistent, so a
/// poisoned lock is simply taken over.
pub(crate) fn registry() -> MutexGuard<'static, Registry> {
    REGISTRY.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Registers a new object and returns its handle token.
pub(crate) fn register(object: Object) -> usize {
    let object = Arc::new(object);
    let mut registry = registry();
    loop {
        registry.next = registry.next.wrapping_add(1);
        let token = TOKEN_BASE.wrapping_add(registry.next.wrapping_mul(TOKEN_STEP));
        if token != 0 && !registry.handles.contains_key(&token) {
            registry.handles.insert(token, object);
            return token;
        }
    }
}

/// Looks up a live handle of the expected kind.
pub(crate) fn lookup(token: usize, expected: Kind) -> FfiResult<Arc<Object>> {
    if token == 0 {
        return Err(SOTTO_ERR_NULL_POINTER);
    }
    let object = registry()
        .handles
        .get(&token)
        .cloned()
        .ok_or(SOTTO_ERR_INVALID_HANDLE)?;
    if object.kind() != expected {
        return Err(SOTTO_ERR_WRONG_HANDLE_KIND);
    }
    Ok(object)
}

/// Frees a handle of the expected kind. NULL is a no-op.
pub(crate) fn free(token: usize, expected: Kind) -> FfiResult<()> {
    if token == 0 {
        return Ok(());
    }
    let removed = {
        let mut registry = registry();
        match registry.handles.get(&token) {
            None => return Err(SOTTO_ERR_INVALID_HANDLE),
            Some(object) if object.kind() != expected => return Err(SOTTO_ERR_WRONG_HANDLE_KIND),
            Some(_) => registry.handles.remove(&token),
        }
    };
    // Dropped outside the registry lock: dropping an account or session
    // zeroizes its keys.
    drop(removed);
    Ok(())
}

/// Number of live handles (for leak checks in tests).
pub(crate) fn live_handles() -> usize {
    registry().handles.len()
}

fn lock<T>(mutex: &Mutex<T>) -> FfiResult<MutexGuard<'_, T>> {
    mutex.lock().map_err(|_: PoisonError<_>| SOTTO_ERR_POISONED)
}

/// A live handle of one kind, looked up once at the start of a call (so
/// that handle errors are reported before anything else) and locked when
/// used. It holds its own reference: freeing the handle meanwhile is
/// harmless.
pub(crate) trait Handle: Sized {
    /// The opaque C type of the handle (`sotto_account`, ...).
    type C;
    /// The object behind the handle.
    type Target;
    /// Looks up `handle` (NULL, unknown and wrong-kind handles are errors).
    fn get(handle: *const Self::C) -> FfiResult<Self>;
    /// Runs `f` on the object, holding its lock.
    fn with<T>(&self, f: impl FnOnce(&mut Self::Target) -> FfiResult<T>) -> FfiResult<T>;
    /// Wraps a new object of this kind, to be registered.
    fn wrap(value: Self::Target) -> Object;
}

/// Defines the live-handle reference of one kind (see [`Handle`]).
macro_rules! handle_ref {
    ($(#[$doc:meta])* $name:ident, $c:ty, $kind:ident, $ty:ty) => {
        $(#[$doc])*
        pub(crate) struct $name(Arc<Object>);

        impl Handle for $name {
            type C = $c;
            type Target = $ty;

            fn get(handle: *const $c) -> FfiResult<Self> {
                lookup(handle.addr(), Kind::$kind).map($name)
            }

            fn with<T>(&self, f: impl FnOnce(&mut $ty) -> FfiResult<T>) -> FfiResult<T> {
                let Object::$kind(mutex) = &*self.0 else {
                    return Err(SOTTO_ERR_WRONG_HANDLE_KIND);
                };
                f(&mut *lock(mutex)?)
            }

            fn wrap(value: $ty) -> Object {
                Object::$kind(Mutex::new(value))
            }
        }
    };
}

handle_ref!(
    /// A live account handle.
    AccountRef, sotto_account, Account, Account
);
handle_ref!(
    /// A live session handle.
    SessionRef, sotto_session, Session, Session
);
handle_ref!(
    /// A live callback generator handle.
    CallbackRngRef, sotto_rng, Rng, CallbackRng
);
handle_ref!(
    /// A live attachment encryptor handle.
    EncryptorRef, sotto_attachment_encryptor, AttachmentEncryptor, AttachmentEncryptor
);
handle_ref!(
    /// A live attachment decryptor handle.
    DecryptorRef, sotto_attachment_decryptor, AttachmentDecryptor, AttachmentDecryptor
);
handle_ref!(
    /// A live session record handle.
    RecordRef, sotto_session_record, SessionRecord, SessionRecord
);
handle_ref!(
    /// A live user identity handle.
    UserIdentityRef, sotto_user_identity, UserIdentity, UserIdentity
);
handle_ref!(
    /// A live device list handle.
    DeviceListRef, sotto_device_list, DeviceList, DeviceList
);
handle_ref!(
    /// A live link offer handle.
    LinkOfferRef, sotto_link_offer, LinkOffer, LinkOffer
);
handle_ref!(
    /// A live linked device handle.
    LinkedDeviceRef, sotto_linked_device, LinkedDevice, LinkedDevice
);
handle_ref!(
    /// A live group handle.
    GroupRef, sotto_group, Group, GroupSession
);
handle_ref!(
    /// A live contact handle.
    ContactRef, sotto_contact, Contact, Contact
);
handle_ref!(
    /// A live delivery report handle.
    DeliveryReportRef, sotto_delivery_report, DeliveryReport, Vec<Delivery>
);

thread_local! {
    /// Set while this thread runs a caller's random-number callback.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// Marks the current thread as running a callback until dropped.
pub(crate) struct CallbackScope(());

impl CallbackScope {
    pub(crate) fn enter() -> Self {
        IN_CALLBACK.with(|flag| flag.set(true));
        CallbackScope(())
    }
}

impl Drop for CallbackScope {
    fn drop(&mut self) {
        IN_CALLBACK.with(|flag| flag.set(false));
    }
}

/// Runs the body of an exported function: refuses re-entrant calls from a
/// callback, catches panics, and turns the result into a status code.
pub(crate) fn guard(f: impl FnOnce() -> FfiResult<()>) -> Status {
    if IN_CALLBACK.with(Cell::get) {
        return SOTTO_ERR_REENTRANT;
    }
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => SOTTO_OK,
        Ok(Err(code)) => code,
        Err(payload) => {
            // Dropping the payload could itself panic; never let that escape.
            if let Err(again) = catch_unwind(AssertUnwindSafe(move || drop(payload))) {
                std::mem::forget(again);
            }
            SOTTO_ERR_PANIC
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookup_checks_kind_and_liveness() {
        let mut rng = sotto_core::OsRng;
        let account = Account::new(&mut rng).unwrap();
        let token = register(Object::Account(Mutex::new(account)));
        assert!(lookup(token, Kind::Account).is_ok());
        assert_eq!(
            lookup(token, Kind::Session).err(),
            Some(SOTTO_ERR_WRONG_HANDLE_KIND)
        );
        assert_eq!(free(token, Kind::Rng), Err(SOTTO_ERR_WRONG_HANDLE_KIND));
        assert_eq!(free(token, Kind::Account), Ok(()));
        assert_eq!(free(token, Kind::Account), Err(SOTTO_ERR_INVALID_HANDLE));
        assert_eq!(
            lookup(token, Kind::Account).err(),
            Some(SOTTO_ERR_INVALID_HANDLE)
        );
        assert_eq!(lookup(0, Kind::Account).err(), Some(SOTTO_ERR_NULL_POINTER));
    }

    #[test]
    fn a_panic_inside_a_handle_poisons_only_that_handle() {
        let mut rng = sotto_core::OsRng;
        let victim = register(Object::Account(Mutex::new(Account::new(&mut rng).unwrap())));
        let other = register(Object::Account(Mutex::new(Account::new(&mut rng).unwrap())));
        let status = guard(|| {
            AccountRef::get(core::ptr::without_provenance(victim))?
                .with(|_| -> FfiResult<()> { panic!("bug") })
        });
        assert_eq!(status, SOTTO_ERR_PANIC);
        assert_eq!(
            guard(|| AccountRef::get(core::ptr::without_provenance(victim))?.with(|_| Ok(()))),
            SOTTO_ERR_POISONED
        );
        assert_eq!(
            guard(|| AccountRef::get(core::ptr::without_provenance(other))?.with(|_| Ok(()))),
            SOTTO_OK
        );
        assert_eq!(free(victim, Kind::Account), Ok(()));
        assert_eq!(free(other, Kind::Account), Ok(()));
    }

    #[test]
    fn guard_catches_panics() {
        assert_eq!(guard(|| panic!("boom")), SOTTO_ERR_PANIC);
        assert_eq!(guard(|| Err(5)), 5);
        assert_eq!(guard(|| Ok(())), SOTTO_OK);
    }
}
