//! A fixed-capacity FIFO of small `Copy` items: the session's queues of
//! control frames, events and frame lengths. (Its length is a field, so
//! the emptiness checks every poll makes cost one comparison.)

#[derive(Clone, Debug)]
pub(crate) struct Ring<T: Copy, const N: usize> {
    items: [Option<T>; N],
    head: usize,
    len: usize,
}

impl<T: Copy, const N: usize> Ring<T, N> {
    pub(crate) const fn new() -> Self {
        Ring {
            items: [None; N],
            head: 0,
            len: 0,
        }
    }

    #[inline]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    #[inline]
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    #[inline]
    pub(crate) fn is_full(&self) -> bool {
        self.len == N
    }

    pub(crate) fn clear(&mut self) {
        self.items = [None; N];
        self.head = 0;
        self.len = 0;
    }

    /// Appends `item`, or hands it back when the ring is full.
    pub(crate) fn push_back(&mut self, item: T) -> Result<(), T> {
        if self.len == N {
            return Err(item);
        }
        let mut at = self.head + self.len;
        if at >= N {
            at -= N;
        }
        self.items[at] = Some(item);
        self.len += 1;
        Ok(())
    }

    #[inline]
    pub(crate) fn front(&self) -> Option<&T> {
        if self.len == 0 {
            return None;
        }
        self.items[self.head].as_ref()
    }

    #[inline]
    pub(crate) fn pop_front(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let item = self.items[self.head].take();
        self.head += 1;
        if self.head == N {
            self.head = 0;
        }
        self.len -= 1;
        item
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_come_out_in_order_across_the_wrap_and_a_full_ring_refuses() {
        let mut r: Ring<u8, 3> = Ring::new();
        assert!(r.is_empty());
        assert_eq!(r.front(), None);
        assert_eq!(r.pop_front(), None);
        for round in 0..5u8 {
            r.push_back(round).unwrap();
            r.push_back(round + 10).unwrap();
            assert_eq!(r.len(), 2);
            assert_eq!(r.front(), Some(&round));
            assert_eq!(r.pop_front(), Some(round));
            assert_eq!(r.pop_front(), Some(round + 10));
            assert!(r.is_empty());
        }
        for i in 0..3 {
            r.push_back(i).unwrap();
        }
        assert!(r.is_full());
        assert_eq!(r.push_back(9), Err(9));
        assert_eq!(r.pop_front(), Some(0));
        r.push_back(3).unwrap();
        assert_eq!(
            [r.pop_front(), r.pop_front(), r.pop_front(), r.pop_front()],
            [Some(1), Some(2), Some(3), None]
        );
        r.push_back(7).unwrap();
        r.clear();
        assert_eq!((r.len(), r.front()), (0, None));
    }
}
