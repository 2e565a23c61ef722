// open(2) and write(2) under names apart from the `open`/`write` methods of InputFile and AtomicFile (which
// would otherwise shadow them).

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@inline(__always)
func posixOpen(_ path: String, _ flags: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.open(path, flags)
    #else
    Darwin.open(path, flags)
    #endif
}

@inline(__always)
func posixWrite(_ fd: Int32, _ buf: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, buf, count)
    #else
    Darwin.write(fd, buf, count)
    #endif
}
