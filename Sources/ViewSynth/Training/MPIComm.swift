// Open MPI, loaded at run time (dlopen of libmpi.so.40) only for `train --distributed`: a normal build and
// run never need MPI. Uses the Open MPI ABI (MPI_COMM_WORLD = &ompi_mpi_comm_world, MPI_BYTE =
// &ompi_mpi_byte) and only MPI_Init, MPI_Comm_rank/size, MPI_Allgather, MPI_Barrier and MPI_Finalize.
// Data-parallel training (ModelTrainer) uses one Allgather of the per-replica gradient buffers and chunk
// losses per step; every rank sums them in replica order, so all ranks take the same AdamW step.

import Foundation
#if canImport(Glibc)
import Glibc
#endif

public final class MPIComm: @unchecked Sendable {
    public let rank: Int
    public let size: Int
    /// False when the process was not started by mpirun (a singleton of size 1).
    public let launchedByMPIRun: Bool

    private typealias InitFn = @convention(c) (UnsafeMutableRawPointer?, UnsafeMutableRawPointer?) -> Int32
    private typealias CommIntFn = @convention(c) (UnsafeMutableRawPointer, UnsafeMutablePointer<Int32>) -> Int32
    private typealias AllgatherFn = @convention(c) (UnsafeRawPointer?, Int32, UnsafeMutableRawPointer, UnsafeMutableRawPointer?,
                                                     Int32, UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Int32
    private typealias CommFn = @convention(c) (UnsafeMutableRawPointer) -> Int32
    private typealias VoidFn = @convention(c) () -> Int32

    private let world: UnsafeMutableRawPointer
    private let byte: UnsafeMutableRawPointer
    private let allgatherFn: AllgatherFn
    private let barrierFn: CommFn
    private let finalizeFn: VoidFn
    private var finalized = false

    static func missing(_ found: String) -> ViewSynthError {
        ViewSynthError("--distributed", expected: "Open MPI (apt-get install openmpi-bin libopenmpi3)", found: found)
    }

    /// Loads libmpi and calls MPI_Init (once per process).
    public init() throws {
        #if canImport(Glibc)
        guard let h = dlopen("libmpi.so.40", RTLD_NOW | RTLD_GLOBAL) else {
            throw MPIComm.missing("no libmpi.so.40")
        }
        func sym<T>(_ name: String, _: T.Type) throws -> T {
            guard let p = dlsym(h, name) else { throw MPIComm.missing("libmpi.so.40 without \(name)") }
            return unsafeBitCast(p, to: T.self)
        }
        guard let w = dlsym(h, "ompi_mpi_comm_world"), let b = dlsym(h, "ompi_mpi_byte") else {
            throw MPIComm.missing("a libmpi.so.40 that is not Open MPI's")
        }
        world = w; byte = b
        let initFn = try sym("MPI_Init", InitFn.self)
        let rankFn = try sym("MPI_Comm_rank", CommIntFn.self), sizeFn = try sym("MPI_Comm_size", CommIntFn.self)
        allgatherFn = try sym("MPI_Allgather", AllgatherFn.self)
        barrierFn = try sym("MPI_Barrier", CommFn.self)
        finalizeFn = try sym("MPI_Finalize", VoidFn.self)
        guard initFn(nil, nil) == 0 else { throw ViewSynthError("--distributed", expected: "MPI_Init to succeed", found: "failure") }
        var r: Int32 = 0, s: Int32 = 1
        _ = rankFn(w, &r); _ = sizeFn(w, &s)
        rank = Int(r); size = Int(s)
        launchedByMPIRun = ProcessInfo.processInfo.environment["OMPI_COMM_WORLD_SIZE"] != nil
        #else
        throw MPIComm.missing("no dlopen on this platform")
        #endif
    }

    /// Every rank's `send` bytes (all the same length), concatenated in rank order.
    public func allgather(_ send: UnsafeRawBufferPointer) -> [UInt8] {
        precondition(send.count <= Int(Int32.max), "MPIComm.allgather: buffer above 2 GiB")
        var out = [UInt8](repeating: 0, count: send.count * size)
        out.withUnsafeMutableBytes { o in
            let rc = allgatherFn(send.baseAddress, Int32(send.count), byte, o.baseAddress!, Int32(send.count), byte, world)
            precondition(rc == 0, "MPI_Allgather failed (\(rc))")
        }
        return out
    }

    public func barrier() { _ = barrierFn(world) }

    /// MPI_Finalize (idempotent); call before the process exits.
    public func finalize() {
        guard !finalized else { return }
        finalized = true
        _ = finalizeFn()
    }
}
