//! The Double Ratchet with header encryption.
//!
//! This follows "The Double Ratchet Algorithm" (Perrin and Marlinspike, 2016),
//! §4 "Double Ratchet with header encryption", with three deliberate choices
//! that PROTOCOL.md §"Ratchet" specifies:
//!
//! 1. **Lazy sending step.** On receiving a new ratchet key the receiving half
//!    of the DH ratchet step runs at once; the sending half (fresh key pair,
//!    new sending chain) runs at the next encryption. The messages on the wire
//!    are identical to the eager form, but decryption never needs randomness,
//!    which makes it deterministic and easy to keep transactional.
//! 2. **One random 192-bit nonce per message**, used for XChaCha20-Poly1305
//!    under the header key (header) and under the message key (body). Keys
//!    are derived deterministically from the chain, so a session restored from
//!    an old backup re-derives keys it already used; random nonces make that
//!    harmless (no key/nonce pair repeats).
//! 3. **Transactional decryption.** Every decryption computes the new state
//!    in locals and commits only after the body authenticates. A failure of
//!    any kind leaves the state exactly as it was.

use crate::account::{bounded_count, len_u16, trim_front};
use crate::limits::{MAX_RETIRED_CHAINS, MAX_SKIP, MAX_SKIPPED_KEYS};
use crate::primitives::aead::{self, Algorithm, TAG_LEN, XNONCE_LEN};
use crate::primitives::kdf::{hkdf_secret, hmac_sha256};
use crate::primitives::{Secret, random_array, reserve_wiping, wipe_spare_capacity, x25519};
use crate::wire::{self, Kind, Reader, Writer};
use crate::{Error, Result};
use alloc::vec::Vec;
use rand_core::TryCryptoRng;
use zeroize::Zeroize;

/// Info string of KDF_RK.
pub(crate) const RATCHET_LABEL: &[u8] = b"Sotto v1 ratchet";
/// Input byte of KDF_CK for the message key.
const MESSAGE_KEY_BYTE: u8 = 0x01;
/// Input byte of KDF_CK for the next chain key.
const CHAIN_KEY_BYTE: u8 = 0x02;

/// Plaintext header: ratchet key (32) || previous chain length (u32) || index (u32).
pub(crate) const HEADER_LEN: usize = 40;
/// Encrypted header: header || tag.
pub(crate) const ENCRYPTED_HEADER_LEN: usize = HEADER_LEN + TAG_LEN;
/// `version || kind || nonce || encrypted header`.
pub(crate) const MESSAGE_PREFIX_LEN: usize = 2 + XNONCE_LEN + ENCRYPTED_HEADER_LEN;

type Key = Secret<32>;

/// KDF_RK(rk, dh_out) = HKDF(salt = rk, ikm = dh_out, info, 96) split as
/// (root key, chain key, next header key).
pub(crate) fn kdf_rk(root_key: &Key, dh_output: &Key) -> (Key, Key, Key) {
    let okm: Secret<96> = hkdf_secret(root_key.expose(), dh_output.expose(), RATCHET_LABEL);
    split3(&okm)
}

pub(crate) fn split3(okm: &Secret<96>) -> (Key, Key, Key) {
    let mut parts = [[0u8; 32]; 3];
    for (part, chunk) in parts.iter_mut().zip(okm.expose().chunks_exact(32)) {
        part.copy_from_slice(chunk);
    }
    let keys = (
        Key::from_bytes(parts[0]),
        Key::from_bytes(parts[1]),
        Key::from_bytes(parts[2]),
    );
    parts.zeroize();
    keys
}

/// KDF_CK(ck) = (HMAC(ck, 0x02), HMAC(ck, 0x01)) as (next chain key, message key).
pub(crate) fn kdf_ck(chain_key: &Key) -> (Key, Key) {
    let message_key = Key::from_bytes(hmac_sha256(chain_key.expose(), &[MESSAGE_KEY_BYTE]));
    let next_chain_key = Key::from_bytes(hmac_sha256(chain_key.expose(), &[CHAIN_KEY_BYTE]));
    (next_chain_key, message_key)
}

/// A decrypted header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
    pub(crate) ratchet_key: [u8; 32],
    pub(crate) previous_chain_length: u32,
    pub(crate) index: u32,
}

impl Header {
    pub(crate) fn to_bytes(self) -> [u8; HEADER_LEN] {
        let mut out = [0u8; HEADER_LEN];
        let mut vec = Vec::with_capacity(HEADER_LEN);
        vec.put(&self.ratchet_key);
        vec.put_u32(self.previous_chain_length);
        vec.put_u32(self.index);
        out.copy_from_slice(&vec);
        out
    }

    fn from_bytes(bytes: &[u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        let header = Header {
            ratchet_key: reader.array()?,
            previous_chain_length: reader.u32()?,
            index: reader.u32()?,
        };
        reader.finish()?;
        Ok(header)
    }
}

/// A normal message, parsed but not yet authenticated.
pub(crate) struct MessageParts<'a> {
    pub(crate) prefix: &'a [u8],
    pub(crate) nonce: [u8; XNONCE_LEN],
    pub(crate) encrypted_header: &'a [u8],
    pub(crate) body: &'a [u8],
}

impl<'a> MessageParts<'a> {
    /// `0x01 || 0x03 || nonce (24) || encrypted header (56) || body (≥ 16)`.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self> {
        let mut reader = Reader::new(bytes);
        wire::read_header(&mut reader, Kind::Message)?;
        let nonce = reader.array()?;
        let encrypted_header = reader.take(ENCRYPTED_HEADER_LEN)?;
        let body = reader.rest();
        if body.len() < TAG_LEN {
            return Err(Error::Truncated);
        }
        if body.len() > max_body_len() {
            return Err(Error::TooLarge);
        }
        let prefix = bytes.get(..MESSAGE_PREFIX_LEN).ok_or(Error::Truncated)?;
        Ok(MessageParts {
            prefix,
            nonce,
            encrypted_header,
            body,
        })
    }
}

/// Largest body: the padded maximum plaintext plus a tag.
pub(crate) const fn max_body_len() -> usize {
    crate::padding::padme(crate::limits::MAX_PLAINTEXT_LEN + 1) + TAG_LEN
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct SkippedKey {
    index: u32,
    message_key: Key,
}

impl SkippedKey {
    fn zero() -> Self {
        SkippedKey {
            index: 0,
            message_key: Key::zeroed(),
        }
    }
}

/// Appends skipped keys without leaving copies of the old ones in a freed buffer.
fn append_skipped(list: &mut Vec<SkippedKey>, keys: Vec<SkippedKey>) {
    reserve_wiping(list, keys.len(), SkippedKey::zero);
    list.extend(keys);
}

/// Removes one skipped key and wipes the copies the shift left behind.
fn remove_skipped(list: &mut Vec<SkippedKey>, position: usize) {
    if position < list.len() {
        list.remove(position);
        wipe_spare_capacity(list, SkippedKey::zero);
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct SendingChain {
    chain_key: Key,
    next_index: u32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct ReceivingChain {
    header_key: Key,
    chain_key: Key,
    next_index: u32,
    skipped: Vec<SkippedKey>,
}

/// A receiving chain that a newer one replaced: only its header key (to
/// recognise late and replayed messages) and its unused skipped keys remain.
#[derive(Clone, Debug, PartialEq, Eq)]
struct RetiredChain {
    header_key: Key,
    skipped: Vec<SkippedKey>,
}

impl RetiredChain {
    fn zero() -> Self {
        RetiredChain {
            header_key: Key::zeroed(),
            skipped: Vec::new(),
        }
    }
}

/// Values exposed to the test-vector generator.
#[cfg(test)]
#[derive(Default)]
pub(crate) struct Trace {
    pub(crate) header: Option<Header>,
    pub(crate) message_key: Option<Key>,
    pub(crate) chain_key: Option<Key>,
    pub(crate) root_key: Option<Key>,
}

/// Hook for the test-vector generator; compiles to nothing in normal builds.
#[cfg(test)]
pub(crate) type TraceSink<'a> = Option<&'a mut Trace>;
#[cfg(not(test))]
pub(crate) type TraceSink<'a> = Option<&'a mut core::convert::Infallible>;

/// The state of one side of a conversation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ratchet {
    root_key: Key,
    our_ratchet_key: x25519::PrivateKey,
    our_ratchet_public: [u8; 32],
    their_ratchet_key: Option<[u8; 32]>,
    sending: Option<SendingChain>,
    previous_sending_length: u32,
    send_header_key: Option<Key>,
    next_send_header_key: Key,
    receiving: Option<ReceivingChain>,
    next_receive_header_key: Key,
    /// Oldest first.
    retired: Vec<RetiredChain>,
    /// The sending half of a DH ratchet step is due at the next encryption.
    send_step_pending: bool,
}

/// What a header decrypted under, in the order decryption tries them.
enum Route {
    Current(Header),
    NextChain(Header),
    Retired(usize, Header),
}

impl Ratchet {
    /// The initiator's state: it can send at once, under the shared header key.
    pub(crate) fn initiator(
        root_key: &Key,
        header_key: Key,
        next_receive_header_key: Key,
        their_signed_prekey: [u8; 32],
        our_ratchet_key: x25519::PrivateKey,
    ) -> Result<Self> {
        let dh = our_ratchet_key.diffie_hellman(&their_signed_prekey)?;
        let (root_key, chain_key, next_send_header_key) = kdf_rk(root_key, &dh);
        Ok(Ratchet {
            root_key,
            our_ratchet_public: our_ratchet_key.public_key(),
            our_ratchet_key,
            their_ratchet_key: Some(their_signed_prekey),
            sending: Some(SendingChain {
                chain_key,
                next_index: 0,
            }),
            previous_sending_length: 0,
            send_header_key: Some(header_key),
            next_send_header_key,
            receiving: None,
            next_receive_header_key,
            retired: Vec::new(),
            send_step_pending: false,
        })
    }

    /// The responder's state before its first message: its signed prekey is
    /// the first ratchet key, and it cannot send until it has received.
    pub(crate) fn responder(
        root_key: Key,
        next_send_header_key: Key,
        next_receive_header_key: Key,
        signed_prekey: x25519::PrivateKey,
    ) -> Self {
        Ratchet {
            root_key,
            our_ratchet_public: signed_prekey.public_key(),
            our_ratchet_key: signed_prekey,
            their_ratchet_key: None,
            sending: None,
            previous_sending_length: 0,
            send_header_key: None,
            next_send_header_key,
            receiving: None,
            next_receive_header_key,
            retired: Vec::new(),
            send_step_pending: false,
        }
    }

    /// Pads and encrypts a plaintext into a normal message.
    ///
    /// Randomness is drawn in this order: a new ratchet private key (only when
    /// a sending step is due), then the 24-byte nonce.
    #[cfg_attr(not(test), allow(unused_variables, unused_mut))]
    pub(crate) fn encrypt<R: TryCryptoRng + ?Sized>(
        &mut self,
        ad_hash: &[u8; 32],
        plaintext: &[u8],
        padding: crate::padding::Padding,
        rng: &mut R,
        mut trace: TraceSink<'_>,
    ) -> Result<Vec<u8>> {
        // Sending half of a DH ratchet step, computed into locals.
        let stepped = if self.send_step_pending {
            let their = self.their_ratchet_key.ok_or(Error::InvalidArgument)?;
            let new_key = x25519::PrivateKey::generate(rng)?;
            let dh = new_key.diffie_hellman(&their)?;
            let (root_key, chain_key, next_header_key) = kdf_rk(&self.root_key, &dh);
            Some((new_key, root_key, chain_key, next_header_key))
        } else {
            None
        };
        let header_key = self
            .send_header_key
            .as_ref()
            .ok_or(Error::InvalidArgument)?;
        let (chain_key, index, previous_length, ratchet_public) = match &stepped {
            Some((new_key, _, chain_key, _)) => (
                chain_key,
                0,
                self.sending.as_ref().map_or(0, |c| c.next_index),
                new_key.public_key(),
            ),
            None => {
                let sending = self.sending.as_ref().ok_or(Error::InvalidArgument)?;
                (
                    &sending.chain_key,
                    sending.next_index,
                    self.previous_sending_length,
                    self.our_ratchet_public,
                )
            }
        };
        let next_index = index.checked_add(1).ok_or(Error::LimitExceeded)?;
        let (next_chain_key, message_key) = kdf_ck(chain_key);
        let header = Header {
            ratchet_key: ratchet_public,
            previous_chain_length: previous_length,
            index,
        };
        let nonce: [u8; XNONCE_LEN] = random_array(rng)?;
        let padded = zeroize::Zeroizing::new(crate::padding::pad(plaintext, padding));

        let mut out = Vec::with_capacity(MESSAGE_PREFIX_LEN + padded.len() + TAG_LEN);
        wire::write_header(&mut out, Kind::Message);
        out.put(&nonce);
        aead::seal_into(
            Algorithm::XChaCha20Poly1305,
            header_key.expose(),
            &nonce,
            &header_ad(ad_hash),
            &header.to_bytes(),
            &mut out,
        )?;
        let body_ad = body_ad(ad_hash, &out);
        aead::seal_into(
            Algorithm::XChaCha20Poly1305,
            message_key.expose(),
            &nonce,
            &body_ad,
            &padded,
            &mut out,
        )?;

        #[cfg(test)]
        if let Some(trace) = trace.as_deref_mut() {
            trace.header = Some(header);
            trace.message_key = Some(message_key.clone());
            trace.chain_key = Some(next_chain_key.clone());
        }

        // Commit.
        if let Some((new_key, root_key, _, next_header_key)) = stepped {
            self.previous_sending_length = previous_length;
            self.our_ratchet_public = ratchet_public;
            self.our_ratchet_key = new_key;
            self.root_key = root_key;
            self.next_send_header_key = next_header_key;
            self.send_step_pending = false;
        }
        self.sending = Some(SendingChain {
            chain_key: next_chain_key,
            next_index,
        });
        #[cfg(test)]
        if let Some(trace) = trace {
            trace.root_key = Some(self.root_key.clone());
        }
        Ok(out)
    }

    /// Decrypts a normal message and strips its padding, or fails and leaves
    /// `self` untouched.
    #[cfg_attr(not(test), allow(unused_variables, unused_mut))]
    pub(crate) fn decrypt(
        &mut self,
        ad_hash: &[u8; 32],
        message: &MessageParts<'_>,
        mut trace: TraceSink<'_>,
    ) -> Result<Vec<u8>> {
        let route = self.route(ad_hash, message)?;
        #[cfg(test)]
        if let Some(trace) = trace.as_deref_mut() {
            trace.header = Some(match &route {
                Route::Current(h) | Route::NextChain(h) | Route::Retired(_, h) => *h,
            });
        }
        match route {
            Route::Current(header) => {
                let chain = self.receiving.as_ref().ok_or(Error::DecryptionFailed)?;
                if Some(header.ratchet_key) != self.their_ratchet_key {
                    return Err(Error::Malformed);
                }
                if header.index < chain.next_index {
                    let position = chain
                        .skipped
                        .iter()
                        .position(|k| k.index == header.index)
                        .ok_or(Error::DuplicateMessage)?;
                    let key = chain.skipped.get(position).ok_or(Error::DuplicateMessage)?;
                    let plaintext = open_body(&key.message_key, ad_hash, message)?;
                    trace_key(&mut trace, &key.message_key, None);
                    if let Some(chain) = self.receiving.as_mut() {
                        remove_skipped(&mut chain.skipped, position);
                    }
                    return Ok(plaintext);
                }
                let advanced = advance(&chain.chain_key, chain.next_index, header.index)?;
                let plaintext = open_body(&advanced.message_key, ad_hash, message)?;
                trace_key(&mut trace, &advanced.message_key, Some(&advanced.chain_key));
                if let Some(chain) = self.receiving.as_mut() {
                    chain.chain_key = advanced.chain_key;
                    chain.next_index = advanced.next_index;
                    append_skipped(&mut chain.skipped, advanced.skipped);
                }
                self.enforce_skipped_bound();
                Ok(plaintext)
            }
            Route::NextChain(header) => {
                // Finish the current receiving chain up to the sender's
                // previous chain length, so late messages stay decryptable.
                let finished = match &self.receiving {
                    Some(chain) if header.previous_chain_length > chain.next_index => {
                        Some(advance(
                            &chain.chain_key,
                            chain.next_index,
                            header.previous_chain_length,
                        )?)
                    }
                    _ => None,
                };
                let dh = self.our_ratchet_key.diffie_hellman(&header.ratchet_key)?;
                let (root_key, chain_key, next_receive_header_key) = kdf_rk(&self.root_key, &dh);
                let advanced = advance(&chain_key, 0, header.index)?;
                let plaintext = open_body(&advanced.message_key, ad_hash, message)?;
                trace_key(&mut trace, &advanced.message_key, Some(&advanced.chain_key));

                // Commit: receiving half of the DH ratchet step.
                if let Some(old) = self.receiving.take() {
                    let mut skipped = old.skipped;
                    if let Some(finished) = finished {
                        // `advance` derived one key past the end: that index
                        // was never sent, so it is not stored.
                        append_skipped(&mut skipped, finished.skipped);
                    }
                    reserve_wiping(&mut self.retired, 1, RetiredChain::zero);
                    self.retired.push(RetiredChain {
                        header_key: old.header_key,
                        skipped,
                    });
                    trim_front(&mut self.retired, MAX_RETIRED_CHAINS);
                    wipe_spare_capacity(&mut self.retired, RetiredChain::zero);
                }
                let header_key =
                    core::mem::replace(&mut self.next_receive_header_key, next_receive_header_key);
                self.receiving = Some(ReceivingChain {
                    header_key,
                    chain_key: advanced.chain_key,
                    next_index: advanced.next_index,
                    skipped: advanced.skipped,
                });
                self.their_ratchet_key = Some(header.ratchet_key);
                self.root_key = root_key;
                self.send_header_key = Some(self.next_send_header_key.clone());
                self.send_step_pending = true;
                self.enforce_skipped_bound();
                #[cfg(test)]
                if let Some(trace) = trace {
                    trace.root_key = Some(self.root_key.clone());
                }
                Ok(plaintext)
            }
            Route::Retired(chain_index, header) => {
                let chain = self
                    .retired
                    .get(chain_index)
                    .ok_or(Error::DecryptionFailed)?;
                let position = chain
                    .skipped
                    .iter()
                    .position(|k| k.index == header.index)
                    .ok_or(Error::DuplicateMessage)?;
                let key = chain.skipped.get(position).ok_or(Error::DuplicateMessage)?;
                let plaintext = open_body(&key.message_key, ad_hash, message)?;
                trace_key(&mut trace, &key.message_key, None);
                if let Some(chain) = self.retired.get_mut(chain_index) {
                    remove_skipped(&mut chain.skipped, position);
                }
                Ok(plaintext)
            }
        }
    }

    /// Finds the header key that opens the header: current chain, next chain,
    /// then retired chains from newest to oldest.
    fn route(&self, ad_hash: &[u8; 32], message: &MessageParts<'_>) -> Result<Route> {
        let ad = header_ad(ad_hash);
        let open = |key: &Key| -> Option<Result<Header>> {
            aead::open(
                Algorithm::XChaCha20Poly1305,
                key.expose(),
                &message.nonce,
                &ad,
                message.encrypted_header,
            )
            .ok()
            .map(|bytes| Header::from_bytes(&bytes))
        };
        if let Some(header) = self
            .receiving
            .as_ref()
            .and_then(|chain| open(&chain.header_key))
        {
            return Ok(Route::Current(header?));
        }
        if let Some(header) = open(&self.next_receive_header_key) {
            return Ok(Route::NextChain(header?));
        }
        for (index, chain) in self.retired.iter().enumerate().rev() {
            if let Some(header) = open(&chain.header_key) {
                return Ok(Route::Retired(index, header?));
            }
        }
        Err(Error::DecryptionFailed)
    }

    fn skipped_count(&self) -> usize {
        self.retired.iter().map(|c| c.skipped.len()).sum::<usize>()
            + self.receiving.as_ref().map_or(0, |c| c.skipped.len())
    }

    /// Evicts the oldest skipped keys until at most [`MAX_SKIPPED_KEYS`] remain.
    fn enforce_skipped_bound(&mut self) {
        let mut excess = self.skipped_count().saturating_sub(MAX_SKIPPED_KEYS);
        let lists = self
            .retired
            .iter_mut()
            .map(|c| &mut c.skipped)
            .chain(self.receiving.as_mut().map(|c| &mut c.skipped));
        for list in lists {
            if excess == 0 {
                break;
            }
            let take = excess.min(list.len());
            list.drain(..take);
            wipe_spare_capacity(list, SkippedKey::zero);
            excess -= take;
        }
    }

    /// An upper bound of the length [`write`](Self::write) produces, so that
    /// the serialization buffer never reallocates (freeing secrets unwiped).
    pub(crate) fn serialized_len_bound(&self) -> usize {
        // Fixed fields: at most 11 keys of 32 bytes, counters and flags.
        512 + 34 * self.retired.len() + 36 * self.skipped_count()
    }

    /// Whether the session has received at least one message (and so can send).
    pub(crate) const fn can_send(&self) -> bool {
        self.send_header_key.is_some()
    }

    pub(crate) fn write(&self, out: &mut Vec<u8>) {
        out.put(self.root_key.expose());
        out.put(self.our_ratchet_key.to_bytes());
        put_option(out, self.their_ratchet_key.as_ref());
        out.put_flag(self.sending.is_some());
        if let Some(sending) = &self.sending {
            out.put(sending.chain_key.expose());
            out.put_u32(sending.next_index);
        }
        out.put_u32(self.previous_sending_length);
        put_option(out, self.send_header_key.as_ref().map(Key::expose));
        out.put(self.next_send_header_key.expose());
        out.put_flag(self.receiving.is_some());
        if let Some(receiving) = &self.receiving {
            out.put(receiving.header_key.expose());
            out.put(receiving.chain_key.expose());
            out.put_u32(receiving.next_index);
            write_skipped(out, &receiving.skipped);
        }
        out.put(self.next_receive_header_key.expose());
        out.put_u8(u8::try_from(self.retired.len()).unwrap_or(u8::MAX));
        for chain in &self.retired {
            out.put(chain.header_key.expose());
            write_skipped(out, &chain.skipped);
        }
        out.put_flag(self.send_step_pending);
    }

    pub(crate) fn read(reader: &mut Reader<'_>) -> Result<Self> {
        let root_key = Key::from_bytes(reader.array()?);
        let our_ratchet_key = x25519::PrivateKey::from_bytes(reader.array()?);
        let their_ratchet_key = read_option(reader)?;
        let sending = if reader.flag()? {
            Some(SendingChain {
                chain_key: Key::from_bytes(reader.array()?),
                next_index: reader.u32()?,
            })
        } else {
            None
        };
        let previous_sending_length = reader.u32()?;
        let send_header_key = read_option(reader)?.map(Key::from_bytes);
        let next_send_header_key = Key::from_bytes(reader.array()?);
        let mut budget = MAX_SKIPPED_KEYS;
        let receiving = if reader.flag()? {
            Some(ReceivingChain {
                header_key: Key::from_bytes(reader.array()?),
                chain_key: Key::from_bytes(reader.array()?),
                next_index: reader.u32()?,
                skipped: read_skipped(reader, &mut budget)?,
            })
        } else {
            None
        };
        let next_receive_header_key = Key::from_bytes(reader.array()?);
        let retired_count = usize::from(reader.u8()?);
        if retired_count > MAX_RETIRED_CHAINS {
            return Err(Error::TooLarge);
        }
        let mut retired = Vec::with_capacity(retired_count);
        for _ in 0..retired_count {
            retired.push(RetiredChain {
                header_key: Key::from_bytes(reader.array()?),
                skipped: read_skipped(reader, &mut budget)?,
            });
        }
        let send_step_pending = reader.flag()?;
        if send_step_pending && their_ratchet_key.is_none() {
            return Err(Error::Malformed);
        }
        Ok(Ratchet {
            root_key,
            our_ratchet_public: our_ratchet_key.public_key(),
            our_ratchet_key,
            their_ratchet_key,
            sending,
            previous_sending_length,
            send_header_key,
            next_send_header_key,
            receiving,
            next_receive_header_key,
            retired,
            send_step_pending,
        })
    }
}

/// Keys derived by walking a chain forward to a message index.
struct Advanced {
    chain_key: Key,
    message_key: Key,
    next_index: u32,
    skipped: Vec<SkippedKey>,
}

/// Walks the chain from `from` to `target`, storing the keys in between as
/// skipped and returning the key for `target`.
fn advance(chain_key: &Key, from: u32, target: u32) -> Result<Advanced> {
    let gap = target.checked_sub(from).ok_or(Error::DuplicateMessage)?;
    if gap > MAX_SKIP {
        return Err(Error::TooFarAhead);
    }
    let next_index = target.checked_add(1).ok_or(Error::LimitExceeded)?;
    let mut skipped = Vec::with_capacity(gap as usize);
    let mut chain_key = chain_key.clone();
    for index in from..target {
        let (next, message_key) = kdf_ck(&chain_key);
        skipped.push(SkippedKey { index, message_key });
        chain_key = next;
    }
    let (chain_key, message_key) = kdf_ck(&chain_key);
    Ok(Advanced {
        chain_key,
        message_key,
        next_index,
        skipped,
    })
}

#[cfg(test)]
fn trace_key(trace: &mut TraceSink<'_>, message_key: &Key, chain_key: Option<&Key>) {
    if let Some(trace) = trace.as_deref_mut() {
        trace.message_key = Some(message_key.clone());
        trace.chain_key = chain_key.cloned();
    }
}

#[cfg(not(test))]
#[inline(always)]
fn trace_key(_: &mut TraceSink<'_>, _: &Key, _: Option<&Key>) {}

/// Associated data of the header AEAD: `ad_hash || 0x01 || 0x03`.
fn header_ad(ad_hash: &[u8; 32]) -> [u8; 34] {
    let mut ad = [0u8; 34];
    let (hash, kind) = ad.split_at_mut(32);
    hash.copy_from_slice(ad_hash);
    kind.copy_from_slice(&[wire::VERSION, Kind::Message as u8]);
    ad
}

/// Associated data of the body AEAD: `ad_hash || message prefix (82 bytes)`.
fn body_ad(ad_hash: &[u8; 32], prefix: &[u8]) -> Vec<u8> {
    let mut ad = Vec::with_capacity(32 + MESSAGE_PREFIX_LEN);
    ad.put(ad_hash);
    ad.put(prefix);
    ad
}

/// Authenticates and decrypts the body, then strips its padding: both must
/// succeed before the caller commits any state.
fn open_body(message_key: &Key, ad_hash: &[u8; 32], message: &MessageParts<'_>) -> Result<Vec<u8>> {
    let mut plaintext = aead::open(
        Algorithm::XChaCha20Poly1305,
        message_key.expose(),
        &message.nonce,
        &body_ad(ad_hash, message.prefix),
        message.body,
    )?;
    crate::padding::unpad(&mut plaintext)?;
    Ok(plaintext)
}

fn put_option(out: &mut Vec<u8>, value: Option<&[u8; 32]>) {
    out.put_flag(value.is_some());
    if let Some(value) = value {
        out.put(value);
    }
}

fn read_option(reader: &mut Reader<'_>) -> Result<Option<[u8; 32]>> {
    if reader.flag()? {
        Ok(Some(reader.array()?))
    } else {
        Ok(None)
    }
}

fn write_skipped(out: &mut Vec<u8>, skipped: &[SkippedKey]) {
    out.put_u16(len_u16(skipped.len()));
    for key in skipped {
        out.put_u32(key.index);
        out.put(key.message_key.expose());
    }
}

fn read_skipped(reader: &mut Reader<'_>, budget: &mut usize) -> Result<Vec<SkippedKey>> {
    let count = bounded_count(reader, *budget)?;
    *budget -= count;
    let mut skipped = Vec::with_capacity(count);
    for _ in 0..count {
        skipped.push(SkippedKey {
            index: reader.u32()?,
            message_key: Key::from_bytes(reader.array()?),
        });
    }
    Ok(skipped)
}
