//! Block1/Block2 (and Q-Block1/Q-Block2) option values (RFC 7959 §2.2,
//! RFC 9177 §4).

use core::fmt;

use crate::error::ValueError;
use crate::uint;

/// A block option value: block number, more flag, size exponent.
///
/// RFC 7959 §2.2: "NUM: Block Number ... M: More Flag ... SZX: Block Size
/// ... The block size is computed as 2**(SZX + 4)." SZX 7 is reserved and
/// rejected both ways.
///
/// ```
/// use coap_codec::Block;
/// let b = Block::new(5, true, 6).unwrap(); // block 5 of 1024-byte blocks, more follow
/// assert_eq!((b.size(), b.offset()), (1024, 5120));
/// assert_eq!(b.to_uint(), 5 << 4 | 1 << 3 | 6);
/// assert_eq!(Block::from_uint(b.to_uint()), Ok(b));
/// assert!(Block::new(0, false, 7).is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Block {
    num: u32,
    more: bool,
    szx: u8,
}

impl Block {
    /// Largest block number (20 bits).
    pub const MAX_NUM: u32 = (1 << 20) - 1;

    /// A block value; `num` ≤ 2^20-1, `szx` ≤ 6.
    pub const fn new(num: u32, more: bool, szx: u8) -> Result<Block, ValueError> {
        if szx > 6 {
            return Err(ValueError::ReservedSzx);
        }
        if num > Self::MAX_NUM {
            return Err(ValueError::BlockNumTooLarge);
        }
        Ok(Block { num, more, szx })
    }

    /// Decodes the option's uint value (RFC 7959 §2.2: 0–3 bytes).
    pub const fn from_uint(v: u32) -> Result<Block, ValueError> {
        if v > 0x00ff_ffff {
            return Err(ValueError::BlockTooLong);
        }
        Block::new(v >> 4, v & 0x8 != 0, (v & 0x7) as u8)
    }

    /// Decodes the option's value bytes (0–3 bytes).
    pub fn decode(bytes: &[u8]) -> Result<Block, ValueError> {
        if bytes.len() > 3 {
            return Err(ValueError::BlockTooLong);
        }
        Block::from_uint(uint::decode(bytes)?)
    }

    /// The uint to put on the wire.
    pub const fn to_uint(self) -> u32 {
        self.num << 4 | (self.more as u32) << 3 | self.szx as u32
    }

    /// Block number.
    pub const fn num(self) -> u32 {
        self.num
    }

    /// More flag (M).
    pub const fn more(self) -> bool {
        self.more
    }

    /// Size exponent (0–6).
    pub const fn szx(self) -> u8 {
        self.szx
    }

    /// Block size in bytes: 2^(SZX+4), 16–1024.
    pub const fn size(self) -> u32 {
        1 << (self.szx + 4)
    }

    /// Byte offset of this block: NUM × size.
    pub const fn offset(self) -> u64 {
        self.num as u64 * self.size() as u64
    }

    /// The SZX for a block size (16, 32, …, 1024); `None` for others.
    pub const fn szx_for_size(size: u32) -> Option<u8> {
        match size {
            16 => Some(0),
            32 => Some(1),
            64 => Some(2),
            128 => Some(3),
            256 => Some(4),
            512 => Some(5),
            1024 => Some(6),
            _ => None,
        }
    }
}

impl fmt::Display for Block {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.num, u8::from(self.more), self.size())
    }
}
