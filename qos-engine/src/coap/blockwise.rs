//! Block-wise transfer (RFC 7959): block sizes and the caller-owned
//! reassembly buffer. Option values are [`coap_codec::Block`].

/// Block size in bytes for a SZX (values above 6 act as 6).
pub const fn szx_size(szx: u8) -> usize {
    let s = if szx > 6 { 6 } else { szx };
    1 << (s as u32 + 4)
}

/// Why [`BodyBuffer::push`] refused a block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReassemblyError {
    /// The block does not start where the previous one ended ("4.08 Request
    /// Entity Incomplete", RFC 7959 §2.9.2).
    OutOfOrder,
    /// The body would exceed the buffer ("4.13 Request Entity Too Large",
    /// RFC 7959 §2.9.3).
    TooLarge,
}

/// A caller-owned, fixed-capacity reassembly buffer for block-wise bodies.
///
/// The endpoint hands each block to the application in order (offset equal to
/// the bytes received so far); the application keeps the body wherever it
/// wants — this type is the simple choice: `N` bytes, no allocation.
///
/// ```
/// use qos_engine::coap::BodyBuffer;
/// let mut body = BodyBuffer::<64>::new();
/// body.push(0, b"hello ").unwrap();
/// body.push(6, b"world").unwrap();
/// assert_eq!(body.as_slice(), b"hello world");
/// assert!(body.push(3, b"x").is_err());
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyBuffer<const N: usize> {
    buf: heapless::Vec<u8, N>,
}

impl<const N: usize> BodyBuffer<N> {
    /// An empty buffer.
    pub const fn new() -> Self {
        BodyBuffer {
            buf: heapless::Vec::new(),
        }
    }
    /// Appends a block that starts at byte `offset`. Offset 0 restarts the body.
    pub fn push(&mut self, offset: usize, data: &[u8]) -> Result<(), ReassemblyError> {
        if offset == 0 {
            self.buf.clear();
        }
        if offset != self.buf.len() {
            return Err(ReassemblyError::OutOfOrder);
        }
        self.buf
            .extend_from_slice(data)
            .map_err(|_| ReassemblyError::TooLarge)
    }
    /// The body so far.
    pub fn as_slice(&self) -> &[u8] {
        &self.buf
    }
    /// Empties the buffer.
    pub fn clear(&mut self) {
        self.buf.clear();
    }
}

impl<const N: usize> Default for BodyBuffer<N> {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_buffer_rejects_overflow() {
        let mut b = BodyBuffer::<4>::new();
        assert_eq!(b.push(0, b"12345"), Err(ReassemblyError::TooLarge));
    }
}
