//! The smallest program that proves a platform can run code: a static ELF executable whose only
//! instructions are the `exit(0)` system call. The doctor's probe build copies it into a
//! `FROM scratch` image and runs it, so nothing has to be pulled and no libc is involved.
//!
//! Each file is an ELF header, one `PT_LOAD` program header mapping the whole file read+execute
//! at `BASE`, and the instructions right after the headers, where the entry point is.

use crate::model::Platform;

/// Where the file is mapped: above `vm.mmap_min_addr` and aligned for every page size in use
/// (4 KiB to 64 KiB), which the kernel requires of a segment's address and file offset alike.
pub const BASE: u64 = 0x40_0000;
const SEGMENT_ALIGN: u64 = 0x1_0000;

const PT_LOAD: u32 = 1;
const PF_X: u32 = 1;
const PF_R: u32 = 4;
const ET_EXEC: u16 = 2;

/// Machine numbers from the ELF specification's `e_machine` table.
const EM_386: u16 = 3;
const EM_ARM: u16 = 40;
const EM_X86_64: u16 = 62;
const EM_AARCH64: u16 = 183;
const EM_RISCV: u16 = 243;

/// The 32-bit ARM kernel refuses old-ABI binaries unless built to run them; this marks the
/// file as EABI version 5, as every current toolchain does.
const EF_ARM_EABI_VER5: u32 = 0x0500_0000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Elf32,
    Elf64,
}

impl Class {
    fn header_size(self) -> u64 {
        match self {
            Class::Elf32 => 52,
            Class::Elf64 => 64,
        }
    }

    fn program_header_size(self) -> u64 {
        match self {
            Class::Elf32 => 32,
            Class::Elf64 => 56,
        }
    }
}

/// What differs between architectures: the word size, the machine number, ABI flags and the
/// instructions. Every supported architecture is little-endian.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub class: Class,
    pub machine: u16,
    pub flags: u32,
    pub code: Vec<u8>,
}

/// The probe for `platform`, or `None` for an architecture without a generator here.
pub fn probe(platform: &Platform) -> Option<Vec<u8>> {
    target(platform).map(|t| executable(&t))
}

pub fn target(platform: &Platform) -> Option<Target> {
    if platform.os != "linux" {
        return None;
    }
    let (class, machine, flags, code) = match platform.arch.as_str() {
        "amd64" | "x86_64" => (Class::Elf64, EM_X86_64, 0, x86_64::exit0()),
        "arm64" | "aarch64" => (Class::Elf64, EM_AARCH64, 0, aarch64::exit0()),
        "riscv64" => (Class::Elf64, EM_RISCV, 0, riscv64::exit0()),
        "arm" => (Class::Elf32, EM_ARM, EF_ARM_EABI_VER5, arm::exit0()),
        "386" | "i386" | "i686" => (Class::Elf32, EM_386, 0, i386::exit0()),
        _ => return None,
    };
    Some(Target {
        class,
        machine,
        flags,
        code,
    })
}

/// Lays out headers and code; the entry point is the first byte after the headers.
pub fn executable(target: &Target) -> Vec<u8> {
    let class = target.class;
    let headers = class.header_size() + class.program_header_size();
    let size = headers + target.code.len() as u64;
    let entry = BASE + headers;
    let mut out = Writer {
        bytes: Vec::with_capacity(size as usize),
        class,
    };

    // e_ident: magic, word size, little-endian, ELF version 1, the System V ABI (which Linux
    // uses), then zero padding to 16 bytes.
    out.bytes.extend_from_slice(b"\x7fELF");
    out.bytes.push(match class {
        Class::Elf32 => 1,
        Class::Elf64 => 2,
    });
    out.bytes.extend_from_slice(&[1, 1, 0]);
    out.bytes.resize(16, 0);
    out.u16(ET_EXEC);
    out.u16(target.machine);
    out.u32(1); // e_version
    out.word(entry); // e_entry
    out.word(class.header_size()); // e_phoff: the program header follows the ELF header
    out.word(0); // e_shoff: no section headers, which running a file never needs
    out.u32(target.flags);
    out.u16(class.header_size() as u16); // e_ehsize
    out.u16(class.program_header_size() as u16); // e_phentsize
    out.u16(1); // e_phnum
    out.u16(match class {
        Class::Elf32 => 40,
        Class::Elf64 => 64,
    }); // e_shentsize, the size a section header would have
    out.u16(0); // e_shnum
    out.u16(0); // e_shstrndx
    debug_assert_eq!(out.bytes.len() as u64, class.header_size());

    // One segment: the whole file, from offset 0, readable and executable. The field order
    // differs between the classes: ELF64 moved p_flags up to keep the 8-byte fields aligned.
    out.u32(PT_LOAD);
    if class == Class::Elf64 {
        out.u32(PF_R | PF_X);
    }
    out.word(0); // p_offset
    out.word(BASE); // p_vaddr
    out.word(BASE); // p_paddr
    out.word(size); // p_filesz
    out.word(size); // p_memsz
    if class == Class::Elf32 {
        out.u32(PF_R | PF_X);
    }
    out.word(SEGMENT_ALIGN);
    debug_assert_eq!(out.bytes.len() as u64, headers);

    out.bytes.extend_from_slice(&target.code);
    out.bytes
}

struct Writer {
    bytes: Vec<u8>,
    class: Class,
}

impl Writer {
    fn u16(&mut self, v: u16) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.bytes.extend_from_slice(&v.to_le_bytes());
    }

    /// An address, offset or size: 4 bytes in ELF32, 8 in ELF64.
    fn word(&mut self, v: u64) {
        match self.class {
            Class::Elf32 => self.u32(u32::try_from(v).expect("a 32-bit probe fits in 4 GiB")),
            Class::Elf64 => self.bytes.extend_from_slice(&v.to_le_bytes()),
        }
    }
}

/// Fixed-width instruction sets are written as 32-bit words, stored little-endian.
fn words(instructions: &[u32]) -> Vec<u8> {
    instructions.iter().flat_map(|w| w.to_le_bytes()).collect()
}

mod x86_64 {
    /// `exit` is system call 60; its status goes in edi (writing a 32-bit register clears the
    /// upper half, so rdi is 0 too).
    pub fn exit0() -> Vec<u8> {
        vec![
            0xb8, 60, 0, 0, 0, // mov eax, 60
            0x31, 0xff, // xor edi, edi
            0x0f, 0x05, // syscall
        ]
    }
}

mod i386 {
    /// The 32-bit x86 ABI: `exit` is system call 1 through `int 0x80`, status in ebx.
    pub fn exit0() -> Vec<u8> {
        vec![
            0xb8, 1, 0, 0, 0, // mov eax, 1
            0x31, 0xdb, // xor ebx, ebx
            0xcd, 0x80, // int 0x80
        ]
    }
}

pub mod aarch64 {
    /// `exit` is system call 93 (the generic table), number in x8, status in x0.
    pub fn exit0() -> Vec<u8> {
        super::words(&[movz(8, 93), movz(0, 0), svc(0)])
    }

    /// MOVZ Xd, #imm16: sf=1 (64-bit), opc=10, hw=0 (no shift).
    pub fn movz(rd: u32, imm16: u32) -> u32 {
        0xd280_0000 | (imm16 & 0xffff) << 5 | (rd & 0x1f)
    }

    /// SVC #imm16: the exception-generating class with opc=000, LL=01.
    pub fn svc(imm16: u32) -> u32 {
        0xd400_0001 | (imm16 & 0xffff) << 5
    }
}

pub mod riscv64 {
    /// `exit` is system call 93 (the generic table), number in a7 (x17), status in a0 (x10).
    pub fn exit0() -> Vec<u8> {
        super::words(&[addi(17, 0, 93), addi(10, 0, 0), ecall()])
    }

    /// ADDI rd, rs1, imm12 (I-type, OP-IMM); `li rd, n` for a small n is ADDI rd, x0, n.
    pub fn addi(rd: u32, rs1: u32, imm12: u32) -> u32 {
        (imm12 & 0xfff) << 20 | (rs1 & 0x1f) << 15 | (rd & 0x1f) << 7 | 0x13
    }

    /// ECALL: the SYSTEM opcode with every other field zero.
    pub fn ecall() -> u32 {
        0x73
    }
}

pub mod arm {
    /// The EABI: `exit` is system call 1, number in r7, status in r0. The entry address is
    /// even, so execution starts in ARM (not Thumb) state, which ARMv6 and ARMv7 both have.
    pub fn exit0() -> Vec<u8> {
        super::words(&[mov(7, 1), mov(0, 0), svc(0)])
    }

    /// MOV Rd, #imm8 (data processing, immediate, no rotation), condition AL.
    pub fn mov(rd: u32, imm8: u32) -> u32 {
        0xe3a0_0000 | (rd & 0xf) << 12 | (imm8 & 0xff)
    }

    /// SVC #imm24, condition AL.
    pub fn svc(imm24: u32) -> u32 {
        0xef00_0000 | (imm24 & 0x00ff_ffff)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Platform {
        s.parse().unwrap()
    }

    fn u16_at(b: &[u8], at: usize) -> u16 {
        u16::from_le_bytes(b[at..at + 2].try_into().unwrap())
    }

    fn u32_at(b: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(b[at..at + 4].try_into().unwrap())
    }

    fn u64_at(b: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(b[at..at + 8].try_into().unwrap())
    }

    /// The fields a loader reads, at the offsets the ELF64 specification gives them.
    fn check_elf64(bytes: &[u8], machine: u16, code: &[u8]) {
        assert_eq!(&bytes[..4], b"\x7fELF");
        assert_eq!(bytes[4], 2, "ELFCLASS64");
        assert_eq!(bytes[5], 1, "little-endian");
        assert_eq!(bytes[6], 1, "EI_VERSION");
        assert_eq!(u16_at(bytes, 16), ET_EXEC);
        assert_eq!(u16_at(bytes, 18), machine);
        assert_eq!(u32_at(bytes, 20), 1);
        let entry = u64_at(bytes, 24);
        assert_eq!(u64_at(bytes, 32), 64, "e_phoff");
        assert_eq!(u64_at(bytes, 40), 0, "e_shoff");
        assert_eq!(u16_at(bytes, 52), 64, "e_ehsize");
        assert_eq!(u16_at(bytes, 54), 56, "e_phentsize");
        assert_eq!(u16_at(bytes, 56), 1, "e_phnum");
        assert_eq!(u16_at(bytes, 60), 0, "e_shnum");
        let ph = 64;
        assert_eq!(u32_at(bytes, ph), PT_LOAD);
        assert_eq!(u32_at(bytes, ph + 4), PF_R | PF_X);
        assert_eq!(u64_at(bytes, ph + 8), 0, "p_offset");
        assert_eq!(u64_at(bytes, ph + 16), BASE, "p_vaddr");
        assert_eq!(u64_at(bytes, ph + 32), bytes.len() as u64, "p_filesz");
        assert_eq!(u64_at(bytes, ph + 40), bytes.len() as u64, "p_memsz");
        let align = u64_at(bytes, ph + 48);
        assert!(align.is_power_of_two() && BASE % align == 0, "{align:#x}");
        assert_eq!(entry, BASE + 64 + 56);
        assert_eq!(&bytes[(entry - BASE) as usize..], code);
    }

    fn check_elf32(bytes: &[u8], machine: u16, flags: u32, code: &[u8]) {
        assert_eq!(&bytes[..4], b"\x7fELF");
        assert_eq!(bytes[4], 1, "ELFCLASS32");
        assert_eq!(bytes[5], 1, "little-endian");
        assert_eq!(u16_at(bytes, 16), ET_EXEC);
        assert_eq!(u16_at(bytes, 18), machine);
        let entry = u32_at(bytes, 24) as u64;
        assert_eq!(u32_at(bytes, 28), 52, "e_phoff");
        assert_eq!(u32_at(bytes, 36), flags, "e_flags");
        assert_eq!(u16_at(bytes, 40), 52, "e_ehsize");
        assert_eq!(u16_at(bytes, 42), 32, "e_phentsize");
        assert_eq!(u16_at(bytes, 44), 1, "e_phnum");
        let ph = 52;
        assert_eq!(u32_at(bytes, ph), PT_LOAD);
        assert_eq!(u32_at(bytes, ph + 4), 0, "p_offset");
        assert_eq!(u32_at(bytes, ph + 8) as u64, BASE, "p_vaddr");
        assert_eq!(u32_at(bytes, ph + 16) as usize, bytes.len(), "p_filesz");
        assert_eq!(u32_at(bytes, ph + 20) as usize, bytes.len(), "p_memsz");
        assert_eq!(u32_at(bytes, ph + 24), PF_R | PF_X, "p_flags");
        assert_eq!(entry, BASE + 52 + 32);
        assert_eq!(&bytes[(entry - BASE) as usize..], code);
    }

    #[test]
    fn x86_64_probe_headers() {
        let b = probe(&p("linux/amd64")).unwrap();
        check_elf64(&b, 62, &[0xb8, 0x3c, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05]);
        assert_eq!(b.len(), 64 + 56 + 9);
        assert_eq!(
            probe(&p("linux/amd64/v3")),
            Some(b),
            "one probe for every level"
        );
    }

    #[test]
    fn aarch64_probe_headers_and_instructions() {
        // The words an assembler writes for mov x8, #93 / mov x0, #0 / svc #0.
        assert_eq!(aarch64::movz(8, 93), 0xd280_0ba8);
        assert_eq!(aarch64::movz(0, 0), 0xd280_0000);
        assert_eq!(aarch64::svc(0), 0xd400_0001);
        let b = probe(&p("linux/arm64")).unwrap();
        check_elf64(
            &b,
            183,
            &[
                0xa8, 0x0b, 0x80, 0xd2, 0x00, 0x00, 0x80, 0xd2, 0x01, 0x00, 0x00, 0xd4,
            ],
        );
        assert_eq!(probe(&p("linux/arm64/v8")), Some(b));
    }

    #[test]
    fn riscv64_probe_headers_and_instructions() {
        // li a7, 93 / li a0, 0 / ecall
        assert_eq!(riscv64::addi(17, 0, 93), 0x05d0_0893);
        assert_eq!(riscv64::addi(10, 0, 0), 0x0000_0513);
        assert_eq!(riscv64::ecall(), 0x0000_0073);
        let b = probe(&p("linux/riscv64")).unwrap();
        check_elf64(&b, 243, &words(&[0x05d0_0893, 0x0000_0513, 0x73]));
    }

    #[test]
    fn arm_probe_headers_and_instructions() {
        // mov r7, #1 / mov r0, #0 / svc #0
        assert_eq!(arm::mov(7, 1), 0xe3a0_7001);
        assert_eq!(arm::mov(0, 0), 0xe3a0_0000);
        assert_eq!(arm::svc(0), 0xef00_0000);
        for platform in ["linux/arm/v7", "linux/arm/v6"] {
            let b = probe(&p(platform)).unwrap();
            check_elf32(
                &b,
                40,
                EF_ARM_EABI_VER5,
                &words(&[0xe3a0_7001, 0xe3a0_0000, 0xef00_0000]),
            );
        }
    }

    #[test]
    fn i386_probe_headers() {
        let b = probe(&p("linux/386")).unwrap();
        check_elf32(&b, 3, 0, &[0xb8, 1, 0, 0, 0, 0x31, 0xdb, 0xcd, 0x80]);
    }

    #[test]
    fn other_architectures_have_no_probe() {
        assert_eq!(probe(&p("linux/ppc64le")), None);
        assert_eq!(probe(&p("linux/s390x")), None);
        assert_eq!(probe(&p("windows/amd64")), None);
    }

    /// The header tests check the layout; this checks that a kernel agrees.
    #[cfg(all(target_arch = "x86_64", target_os = "linux"))]
    #[test]
    fn the_x86_64_probe_runs_here_and_exits_0() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("probe");
        std::fs::write(&path, probe(&p("linux/amd64")).unwrap()).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        // Another test thread forking while the file was open for writing leaves a copy of
        // the descriptor in that child until it execs, and exec then fails with ETXTBSY.
        let mut tries = 0;
        let status = loop {
            match std::process::Command::new(&path).status() {
                Err(e) if e.raw_os_error() == Some(26) && tries < 50 => {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                other => break other.unwrap(),
            }
        };
        assert_eq!(status.code(), Some(0), "{status:?}");
    }
}
