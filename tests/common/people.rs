//! People with several devices, each holding a contact of every person
//! (PROTOCOL.md §20), for the fan-out tests.

use rand_chacha::ChaCha20Rng;
use sotto::contact::{Contact, Delivery, DeviceAddress, Received, send_to_person};
use sotto::person::UserIdentity;
use sotto::{Account, DeviceList, Error, PrekeyBundle};

pub struct Device {
    pub person: usize,
    pub id: u32,
    pub account: Account,
    /// One contact per person (its own included), `None` only while lent.
    pub contacts: Vec<Option<Contact>>,
    /// Whether its person's latest list names it.
    pub listed: bool,
}

pub struct World {
    pub users: Vec<UserIdentity>,
    pub lists: Vec<Vec<DeviceList>>,
    pub devices: Vec<Device>,
    pub rng: ChaCha20Rng,
    pub now: u64,
}

impl World {
    /// `sizes[p]` devices for person `p`, ids 1.., every contact holding
    /// every person's first list and no session.
    pub fn new(mut rng: ChaCha20Rng, sizes: &[usize]) -> Self {
        let mut users = Vec::new();
        let mut devices = Vec::new();
        let mut lists = Vec::new();
        for (person, &n) in sizes.iter().enumerate() {
            let mut user = UserIdentity::new(&mut rng).unwrap();
            let mut entries = Vec::new();
            for id in 1..=n as u32 {
                let account = Account::new(&mut rng).unwrap();
                entries.push((id, account.identity_key().clone()));
                devices.push(Device {
                    person,
                    id,
                    account,
                    contacts: Vec::new(),
                    listed: true,
                });
            }
            let list = user.sign_device_list(&entries, &[], 1).unwrap();
            user.commit_device_list(&list).unwrap();
            users.push(user);
            lists.push(vec![list]);
        }
        for d in &mut devices {
            d.contacts = lists
                .iter()
                .map(|l| Some(Contact::new(l[0].clone())))
                .collect();
        }
        World {
            users,
            lists,
            devices,
            rng,
            now: 1,
        }
    }

    pub fn address(&self, d: usize) -> DeviceAddress {
        let dev = &self.devices[d];
        DeviceAddress::new(self.users[dev.person].public_key(), dev.id)
    }

    /// The device index of an address.
    pub fn index(&self, a: &DeviceAddress) -> usize {
        self.devices
            .iter()
            .position(|d| self.users[d.person].public_key() == a.user && d.id == a.device_id)
            .unwrap()
    }

    pub fn contact(&self, at: usize, person: usize) -> &Contact {
        self.devices[at].contacts[person].as_ref().unwrap()
    }

    /// Serialized state of device `at`: account and every contact.
    pub fn state(&self, at: usize) -> Vec<u8> {
        let d = &self.devices[at];
        let mut out = sotto::hazmat::account_state(&d.account).unwrap().to_vec();
        for c in &d.contacts {
            out.extend_from_slice(&sotto::hazmat::contact_state(c.as_ref().unwrap()).unwrap());
        }
        out
    }

    /// Bundles (fresh from each account) for every device the sender's two
    /// contacts have no session with.
    pub fn bundles_for(&self, from: usize, to_person: usize) -> Vec<(DeviceAddress, PrekeyBundle)> {
        let me = self.address(from);
        let dev = &self.devices[from];
        let mut out = Vec::new();
        for p in [to_person, dev.person] {
            for a in self.contact(from, p).devices_without_session(&me) {
                let i = self.index(&a);
                out.push((a, self.devices[i].account.prekey_bundle().unwrap()));
            }
        }
        out
    }

    /// `send_to_person` from device `from` to person `to`.
    pub fn send(
        &mut self,
        from: usize,
        to: usize,
        bundles: &[(DeviceAddress, PrekeyBundle)],
        text: &[u8],
    ) -> Result<Vec<Delivery>, Error> {
        let me = self.address(from);
        let dev = &mut self.devices[from];
        let own_person = dev.person;
        let mut own = dev.contacts[own_person].take().unwrap();
        let recipient_slot = if to == own_person {
            None
        } else {
            dev.contacts[to].take()
        };
        let result = match recipient_slot {
            Some(mut recipient) => {
                let r = send_to_person(
                    &dev.account,
                    &me,
                    &mut own,
                    &mut recipient,
                    bundles,
                    text,
                    &mut self.rng,
                );
                dev.contacts[to] = Some(recipient);
                r
            }
            None => Err(Error::InvalidArgument),
        };
        dev.contacts[own_person] = Some(own);
        result
    }

    /// Device `at` receives `message` from device `from` (by index).
    pub fn receive(&mut self, at: usize, from: usize, message: &[u8]) -> Result<Received, Error> {
        let from_person = self.devices[from].person;
        let from_id = self.devices[from].id;
        self.receive_as(at, from_person, from_id, message)
    }

    /// Device `at` receives `message` claimed from device `from_id` of
    /// `from_person`.
    pub fn receive_as(
        &mut self,
        at: usize,
        from_person: usize,
        from_id: u32,
        message: &[u8],
    ) -> Result<Received, Error> {
        let me = self.address(at);
        let dev = &mut self.devices[at];
        dev.contacts[from_person]
            .as_mut()
            .unwrap()
            .decrypt(&mut dev.account, &me, from_id, message)
    }

    /// Person `p` adds a device (new account, next free id) and signs the
    /// next list; returns the device index. Nobody has imported the list.
    pub fn add_device(&mut self, p: usize) -> usize {
        let account = Account::new(&mut self.rng).unwrap();
        let id = self
            .devices
            .iter()
            .filter(|d| d.person == p)
            .map(|d| d.id)
            .max()
            .unwrap()
            + 1;
        self.now += 1;
        let list = self.users[p]
            .sign_device_list(&[(id, account.identity_key().clone())], &[], self.now)
            .unwrap();
        self.users[p].commit_device_list(&list).unwrap();
        self.lists[p].push(list);
        let contacts = self
            .lists
            .iter()
            .map(|l| Some(Contact::new(l.last().unwrap().clone())))
            .collect();
        self.devices.push(Device {
            person: p,
            id,
            account,
            contacts,
            listed: true,
        });
        self.devices.len() - 1
    }

    /// Person `p` removes device `d` from its list (signs the next list).
    pub fn remove_device(&mut self, d: usize) {
        let p = self.devices[d].person;
        self.now += 1;
        let list = self.users[p]
            .sign_device_list(&[], &[self.devices[d].id], self.now)
            .unwrap();
        self.users[p].commit_device_list(&list).unwrap();
        self.lists[p].push(list);
        self.devices[d].listed = false;
    }

    /// Device `at` imports person `p`'s latest list.
    pub fn import_latest(&mut self, at: usize, p: usize) -> Result<sotto::DeviceListChange, Error> {
        let bytes = self.lists[p].last().unwrap().to_bytes();
        self.devices[at].contacts[p]
            .as_mut()
            .unwrap()
            .update_list(&bytes)
    }
}
