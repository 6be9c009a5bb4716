import Dispatch

/// Wall-clock time since a start, the one definition every timer of the package uses.
public enum Elapsed {
    /// Seconds since `start` at the clock's full (nanosecond) resolution, for benchmarks.
    @inlinable
    public static func seconds(since start: DispatchTime) -> Double {
        Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
    }

    /// Seconds since `start` to the microsecond: the resolution recorded times carry, so results
    /// files show `0.087454`, not the `0.08745396300000001` of nanoseconds over 1e9.
    public static func recordedSeconds(since start: DispatchTime) -> Double {
        Double((DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1000) / 1e6
    }

    /// `seconds` (a sum or mean of recorded times) to the microsecond, for the same reason.
    public static func recorded(_ seconds: Double) -> Double {
        seconds.isFinite ? (seconds * 1e6).rounded() / 1e6 : seconds
    }
}
