import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process of `encore run` that runs one run (`encore _run-one`), with the pipes it talks
/// through, from `posix_spawn` to its exit status and peak memory.
///
/// The child's descriptors: 0 is the read end of a pipe nobody writes to (it reads end of file
/// when this process ends, however it ends, and then exits), 1 and 2 share one pipe (anything
/// it prints, a crash message included), 3 is an unlinked file holding its job, and 4 is the
/// pipe of its reports (`ChildReport`, one JSON object per line). No other descriptor of this
/// process reaches it: every one made here is close-on-exec, and spawns are serialised so that
/// two children started at once never inherit each other's pipes.
final class ChildProcess: @unchecked Sendable {
    /// How the child ended.
    enum Status: Equatable {
        /// It called `exit` with this code.
        case exited(Int32)
        /// A signal ended it.
        case signaled(Int32)
    }

    /// What `wait` found.
    struct Termination {
        var status: Status
        /// The child's peak resident memory in bytes (`wait4`'s `ru_maxrss`); nil when unknown.
        var peakMemoryBytes: Int?
        /// Whether it was killed because it ran past its deadline.
        var timedOut: Bool
        /// Seconds from the spawn to the end.
        var seconds: Double
    }

    /// The child's process ID.
    let pid: pid_t
    private let reports: Int32
    private let output: Int32
    private let lifeline: Int32
    private let started = DispatchTime.now()
    /// Set (under `lock`) just before the child is reaped: after that its process ID may name
    /// another process and is never signalled.
    private var reaped = false
    private let lock = NSLock()

    /// Serialises spawns (see the type's documentation).
    private static let spawnLock = NSLock()

    /// Starts `executable` with `arguments` (the first is its `argv[0]`) and `job` as descriptor 3.
    /// - Throws: `ResultStoreError.io` when a pipe, the job file or the process cannot be made.
    init(executable: String, arguments: [String], job: Data) throws {
        func failure(_ what: String) -> ResultStoreError {
            .io(path: executable, reason: "cannot start a run's process: \(what): \(String(cString: strerror(errno)))")
        }
        var made: [Int32] = []
        var keep: [Int32] = []
        defer { for fd in made where !keep.contains(fd) { close(fd) } }
        let spawned: pid_t = try Self.spawnLock.withLock {
            func pipePair() throws -> (read: Int32, write: Int32) {
                var fds: [Int32] = [0, 0]
                guard pipe(&fds) == 0 else { throw failure("pipe") }
                let pair = (Self.high(fds[0]), Self.high(fds[1]))
                made += [pair.0, pair.1]
                return pair
            }
            let lifeline = try pipePair(), output = try pipePair(), reports = try pipePair()
            let jobFile = try Self.unlinkedFile(with: job)
            made.append(jobFile)
            keep = [lifeline.write, output.read, reports.read]

            #if canImport(Darwin)
            var actions: posix_spawn_file_actions_t?
            var attributes: posix_spawnattr_t?
            #else
            var actions = posix_spawn_file_actions_t()
            var attributes = posix_spawnattr_t()
            #endif
            posix_spawn_file_actions_init(&actions)
            defer { posix_spawn_file_actions_destroy(&actions) }
            for (fd, target) in [(lifeline.read, 0), (output.write, 1), (output.write, 2), (jobFile, 3), (reports.write, 4)] {
                posix_spawn_file_actions_adddup2(&actions, fd, Int32(target))
            }
            posix_spawnattr_init(&attributes)
            defer { posix_spawnattr_destroy(&attributes) }
            // No blocked signals, and SIGPIPE back to its default, whatever this thread has.
            var none = sigset_t()
            sigemptyset(&none)
            posix_spawnattr_setsigmask(&attributes, &none)
            var defaults = sigset_t()
            sigemptyset(&defaults)
            sigaddset(&defaults, SIGPIPE)
            posix_spawnattr_setsigdefault(&attributes, &defaults)
            posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

            let argv = arguments.map { strdup($0) } + [nil]
            let environment = ProcessInfo.processInfo.environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
            defer { for pointer in argv + environment { free(pointer) } }
            var pid: pid_t = 0
            let result = posix_spawn(&pid, executable, &actions, &attributes, argv, environment)
            guard result == 0 else {
                errno = result
                throw failure("posix_spawn")
            }
            ChildProcessTable.track(pid)
            return pid
        }
        pid = spawned
        lifeline = keep[0]
        output = keep[1]
        reports = keep[2]
        for fd in [output, reports] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    }

    deinit {
        for fd in [reports, output, lifeline] { close(fd) }
        if !lock.withLock({ reaped }) {
            kill()
            _ = reap()
        }
    }

    /// Whether the child was reaped (its end collected by `wait`).
    var isReaped: Bool { lock.withLock { reaped } }

    /// Sends SIGKILL unless the child was reaped already (`wait` then reaps it). Safe from any thread.
    func kill() {
        lock.withLock { if !reaped { _ = signalProcess(pid, SIGKILL) } }
    }

    /// Reads the child's reports and output line by line until it ends, killing it at
    /// `deadline`, and reaps it.
    /// - Parameters:
    ///   - deadline: seconds after the spawn at which the child is killed; nil for none.
    ///   - report: each line of descriptor 4.
    ///   - output: each line the child printed.
    func wait(deadline: Double?, report: (String) -> Void, output printed: (String) -> Void) -> Termination {
        var reportLines = LineBuffer(), outputLines = LineBuffer()
        var open: [Int32] = [reports, output]
        var timedOut = false
        func drain(_ fd: Int32) -> Bool {
            fd == reports ? Self.drain(fd, into: &reportLines, report) : Self.drain(fd, into: &outputLines, printed)
        }
        while true {
            let elapsed = Self.seconds(since: started)
            if let deadline, !timedOut, elapsed >= deadline {
                kill()
                timedOut = true
            }
            if open.isEmpty {
                // The pipes are closed, so the child is ending; only a deadline needs watching.
                if deadline == nil || timedOut || hasExited() { break }
                usleep(5_000)
                continue
            }
            var milliseconds = 1000
            if let deadline, !timedOut { milliseconds = min(milliseconds, max(1, Int(((deadline - elapsed) * 1000).rounded(.up)))) }
            var descriptors = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            _ = poll(&descriptors, nfds_t(descriptors.count), Int32(milliseconds))
            open.removeAll { drain($0) }
            // A process the child started may hold the pipes after the child ended.
            if !open.isEmpty, hasExited() {
                for fd in open { _ = drain(fd) }
                break
            }
        }
        reportLines.flush(report)
        outputLines.flush(printed)
        var termination = reap()
        termination.timedOut = timedOut
        return termination
    }

    /// Whether the child has ended (left as a zombie, not reaped).
    private func hasExited() -> Bool {
        var info = siginfo_t()
        guard waitid(P_PID, id_t(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 else { return errno == ECHILD }
        #if canImport(Darwin)
        return info.si_pid != 0
        #else
        return info._sifields._sigchld.si_pid != 0
        #endif
    }

    /// Waits for the child and collects its status and peak memory. The process table stops
    /// listing it first, so the interrupt handler never signals a reused process ID.
    private func reap() -> Termination {
        ChildProcessTable.untrack(pid)
        lock.withLock { reaped = true }
        var status: Int32 = 0
        var usage = rusage()
        var result: pid_t
        repeat { result = wait4(pid, &status, 0, &usage) } while result < 0 && errno == EINTR
        let seconds = Self.seconds(since: started)
        guard result == pid else { return Termination(status: .exited(-1), peakMemoryBytes: nil, timedOut: false, seconds: seconds) }
        let signal = status & 0x7f
        let ended: Status = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
        #if canImport(Darwin)
        let peak = Int(usage.ru_maxrss)  // bytes
        #else
        let peak = Int(usage.ru_maxrss) * 1024  // kilobytes
        #endif
        return Termination(status: ended, peakMemoryBytes: peak > 0 ? peak : nil, timedOut: false, seconds: seconds)
    }

    /// Reads what `fd` has now into `buffer`, handing on whole lines; returns true at end of file.
    private static func drain(_ fd: Int32, into buffer: inout LineBuffer, _ line: (String) -> Void) -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                buffer.append(chunk[0..<count], line)
                continue
            }
            if count == 0 { return true }
            if errno == EINTR { continue }
            return errno != EAGAIN && errno != EWOULDBLOCK
        }
    }

    /// `fd` moved to 10 or above, close-on-exec (so it never lands on 0-4, which `posix_spawn`
    /// fills in the child).
    private static func high(_ fd: Int32) -> Int32 {
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, 10)
        guard moved >= 0 else { return fd }
        close(fd)
        return moved
    }

    /// A file with `data` that has no name (unlinked at once), read from its start.
    private static func unlinkedFile(with data: Data) throws -> Int32 {
        var template = Array((NSTemporaryDirectory() + "/encore-job-XXXXXX").utf8CString)
        let raw = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard raw >= 0 else {
            throw ResultStoreError.io(path: NSTemporaryDirectory(), reason: "cannot write a run's job: \(String(cString: strerror(errno)))")
        }
        unlink(template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        let fd = high(raw)
        let written = data.withUnsafeBytes { bytes -> Bool in
            var offset = 0
            while offset < bytes.count {
                let count = writeBytes(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if count <= 0 { if errno == EINTR { continue }; return false }
                offset += count
            }
            return true
        }
        guard written, lseek(fd, 0, SEEK_SET) == 0 else {
            close(fd)
            throw ResultStoreError.io(path: NSTemporaryDirectory(), reason: "cannot write a run's job: \(String(cString: strerror(errno)))")
        }
        return fd
    }

    private static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }
}

/// Bytes read from a pipe, cut into lines (UTF-8, invalid bytes replaced).
private struct LineBuffer {
    private var pending: [UInt8] = []

    mutating func append(_ bytes: ArraySlice<UInt8>, _ line: (String) -> Void) {
        pending.append(contentsOf: bytes)
        var start = 0
        while let end = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
            line(String(decoding: pending[start..<end], as: UTF8.self))
            start = end + 1
        }
        pending.removeFirst(start)
    }

    /// Hands on a last line without a newline.
    mutating func flush(_ line: (String) -> Void) {
        if !pending.isEmpty { line(String(decoding: pending, as: UTF8.self)) }
        pending.removeAll()
    }
}

/// The child processes alive now, for the SIGINT handler (`InterruptHandler`), which must end
/// them before `encore run` exits: a fixed table of process IDs that a signal handler can read
/// without locks or allocation (0 marks a free slot).
enum ChildProcessTable {
    private static let capacity = 4096
    private nonisolated(unsafe) static let slots: UnsafeMutablePointer<Int32> = {
        let slots = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
        slots.initialize(repeating: 0, count: capacity)
        return slots
    }()
    private static let lock = NSLock()
    /// Set to 1 by `killAll`: the process is about to exit, and children end because of it.
    private nonisolated(unsafe) static let stoppingFlag: UnsafeMutablePointer<Int32> = {
        let flag = UnsafeMutablePointer<Int32>.allocate(capacity: 1)
        flag.initialize(to: 0)
        return flag
    }()

    /// Whether `killAll` ran: a child's end is then this process's interruption, not the run's
    /// failure, and is not to be recorded.
    static var isStopping: Bool { stoppingFlag.pointee != 0 }

    /// Lists `pid` (a table full of live children leaves it out: it still ends with this
    /// process, by its lifeline).
    static func track(_ pid: pid_t) {
        lock.withLock {
            guard let slot = (0..<capacity).first(where: { slots[$0] == 0 }) else { return }
            slots[slot] = pid
        }
    }

    /// Stops listing `pid`.
    static func untrack(_ pid: pid_t) {
        lock.withLock {
            for slot in 0..<capacity where slots[slot] == pid { slots[slot] = 0 }
        }
    }

    /// Sends SIGKILL to every listed child, then waits for each to end, so that none outlives
    /// this process. Async-signal-safe: reads the table and calls `kill(2)` and `waitpid(2)`.
    static func killAll() {
        stoppingFlag.pointee = 1
        for slot in 0..<capacity {
            let pid = slots[slot]
            if pid > 0 { _ = signalProcess(pid, SIGKILL) }
        }
        for slot in 0..<capacity {
            let pid = slots[slot]
            if pid > 0 { _ = waitpid(pid, nil, 0) }
        }
    }
}

/// `kill(2)` (`ChildProcess.kill()` hides the C function inside the class).
private func signalProcess(_ pid: pid_t, _ signal: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.kill(pid, signal)
    #else
    Darwin.kill(pid, signal)
    #endif
}
