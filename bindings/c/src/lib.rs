//! The C ABI of Sotto: `libsotto.a`, `libsotto.so` and `include/sotto.h`.
//!
//! Every function returns a status code: `SOTTO_OK` (0), one of the core's
//! stable codes (1–99, see `sotto::Error::code`), or a binding code
//! (100–199, from `sotto::BindingError`, in `status.rs`). Nothing a C caller passes can cause
//! undefined behaviour on this side as long as the pointer/length pairs it
//! passes describe memory it owns: NULL pointers, empty or wrongly sized
//! inputs, handles of the wrong kind, freed or forged handles and buffers are
//! all reported as errors, and panics are caught at the boundary.
//!
//! Handles are not pointers to memory: they are opaque tokens looked up in a
//! registry of live objects, each entry tagged with its kind. A token is
//! not reused (see `handles`), so double frees and use after free are
//! detected too.
//!
//! Every exported function checks its arguments in one order: handles,
//! then output pointers, then inputs, then aliasing (no output may overlap
//! an input or another output: `SOTTO_ERR_ALIASED_OUTPUT`, decided from the
//! addresses alone before anything is read or written, see
//! `buffer::Aliasing`), and only then hands the inputs to the core.
//!
//! The shapes entry points share are written once in `entry` (a getter,
//! a call on one handle, a decoder, seal and unseal, and the `prologue!`
//! of the checks for the rest); cbindgen does not expand macros, so each
//! exported function stays written out with its documentation and its body
//! calls one of them.
//!
//! All of the project's `unsafe` code lives in this crate; each block states
//! why it is sound in a `// SAFETY:` comment.

#![deny(missing_docs)]
#![deny(unsafe_op_in_unsafe_fn)]
#![deny(clippy::undocumented_unsafe_blocks)]
#![allow(non_camel_case_types)]

// Declaration order is the order of the generated header.
mod account;
mod attachment;
mod buffer;
mod contact;
mod entry;
mod group;
mod handles;
mod link;
mod person;
mod record;
mod rng;
mod session;
mod status;

pub use account::*;
pub use attachment::*;
pub use buffer::*;
pub use contact::*;
pub use group::*;
pub use handles::{
    sotto_account, sotto_attachment_decryptor, sotto_attachment_encryptor, sotto_rng, sotto_session,
};
pub use handles::{sotto_contact, sotto_delivery_report};
pub use handles::{
    sotto_device_list, sotto_group, sotto_link_offer, sotto_linked_device, sotto_session_record,
    sotto_user_identity,
};
pub use link::*;
pub use person::*;
pub use record::*;
pub use rng::*;
pub use session::*;
pub use status::*;

/// Length of a storage key, in bytes.
pub const SOTTO_STORAGE_KEY_LEN: usize = 32;
/// Length of a session id, in bytes.
pub const SOTTO_SESSION_ID_LEN: usize = 32;
/// Length of an encoded identity record, in bytes.
pub const SOTTO_IDENTITY_LEN: usize = 130;
/// Length of an encoded signed X25519 prekey, in bytes.
pub const SOTTO_SIGNED_PREKEY_LEN: usize = 101;
/// Length of an encoded signed ML-KEM-768 prekey, in bytes.
pub const SOTTO_KEM_PREKEY_LEN: usize = 1254;
/// Length of an encoded one-time X25519 prekey, in bytes.
pub const SOTTO_ONE_TIME_PREKEY_LEN: usize = 37;
/// Size of the buffer `sotto_session_safety_number` needs: 60 digits and a
/// terminating NUL.
pub const SOTTO_SAFETY_NUMBER_SIZE: usize = 61;
/// Length of a safety-number QR payload, in bytes.
pub const SOTTO_QR_PAYLOAD_LEN: usize = 66;
/// Largest plaintext `sotto_session_encrypt` accepts (1 MiB).
pub const SOTTO_MAX_PLAINTEXT_LEN: usize = 1048576;
/// Most one-time prekeys of each kind one call (and one account) holds.
pub const SOTTO_MAX_ONE_TIME_PREKEYS: usize = 100;
/// Most one-time prekeys of each kind an account lets be published at once
/// (`sotto_account_unpublished_one_time_prekeys` returns no more than the
/// room left); generating at most 100 − 50 = 50 keys never evicts a
/// published one.
pub const SOTTO_MAX_PUBLISHED_ONE_TIME_PREKEYS: usize = 50;
/// Longest local or remote identifier of a session context, in bytes.
pub const SOTTO_MAX_CONTEXT_ID_LEN: usize = 1024;
/// `sotto_session_set_padding`: Padmé padding with a 32-byte floor (the
/// default): a message's length reveals only O(log log n) bits about the
/// plaintext length n.
pub const SOTTO_PADDING_PADME: i32 = 1;
/// `sotto_session_set_padding`: no padding beyond a one-byte terminator, so
/// plaintext lengths are visible. Only when an outer layer hides lengths.
pub const SOTTO_PADDING_NONE: i32 = 0;
/// `sotto_message_type`: a prekey message (pass it to `sotto_session_accept`
/// unless a session with its id exists). The same number as
/// `MessageTypeCode.PREKEY` in the npm package; 0 is never a message type.
pub const SOTTO_MESSAGE_PREKEY: i32 = 1;
/// `sotto_message_type`: a message within an existing session
/// (`MessageTypeCode.NORMAL` in the npm package).
pub const SOTTO_MESSAGE_NORMAL: i32 = 2;

#[cfg(test)]
mod tests {
    #[test]
    fn constants_match_the_core() {
        use sotto_core::{fingerprint, limits};
        assert_eq!(super::SOTTO_QR_PAYLOAD_LEN, fingerprint::QR_PAYLOAD_LEN);
        assert_eq!(super::SOTTO_MAX_PLAINTEXT_LEN, limits::MAX_PLAINTEXT_LEN);
        assert_eq!(
            super::SOTTO_MAX_ONE_TIME_PREKEYS,
            limits::MAX_ONE_TIME_PREKEYS
        );
        assert_eq!(super::SOTTO_MAX_CONTEXT_ID_LEN, limits::MAX_CONTEXT_ID_LEN);
        assert_eq!(
            super::SOTTO_MAX_PUBLISHED_ONE_TIME_PREKEYS,
            limits::MAX_PUBLISHED_ONE_TIME_PREKEYS
        );
        for kind in sotto_core::MessageType::ALL {
            let c = match kind {
                sotto_core::MessageType::Prekey => super::SOTTO_MESSAGE_PREKEY,
                sotto_core::MessageType::Normal => super::SOTTO_MESSAGE_NORMAL,
            };
            assert_eq!(i32::from(kind.code()), c);
        }
        assert_eq!(
            super::SOTTO_IDENTITY_LEN,
            sotto_core::keys::IDENTITY_RECORD_LEN
        );
        let mut rng = sotto_core::OsRng;
        let mut account = sotto_core::Account::new(&mut rng).unwrap();
        account.generate_one_time_prekeys(1, &mut rng).unwrap();
        assert_eq!(
            account.signed_prekey().to_bytes().len(),
            super::SOTTO_SIGNED_PREKEY_LEN
        );
        assert_eq!(
            account.last_resort_prekey().to_bytes().len(),
            super::SOTTO_KEM_PREKEY_LEN
        );
        assert_eq!(
            account.unpublished_one_time_prekeys()[0].to_bytes().len(),
            super::SOTTO_ONE_TIME_PREKEY_LEN
        );
    }
}
