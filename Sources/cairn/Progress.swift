import Foundation
import Synchronization

/// A one-line progress bar on stderr for long statements. It appears only after the statement
/// has run for half a second, redraws at most ten times a second, and is erased by ``finish()``.
final class ProgressBar: Sendable {
    private struct State {
        var lastDraw: ContinuousClock.Instant?
        var visible = false
    }

    private let start = ContinuousClock.now
    private let state = Mutex(State())
    private static let delay = Duration.milliseconds(500)
    private static let interval = Duration.milliseconds(100)
    private static let width = 40

    /// Called from the executing thread with the fraction done (0…1).
    func update(_ fraction: Double) {
        let now = ContinuousClock.now
        guard now - start >= Self.delay else { return }
        state.withLock { state in
            if let last = state.lastDraw, now - last < Self.interval { return }
            state.lastDraw = now
            state.visible = true
            let clamped = fraction.isFinite ? min(max(fraction, 0), 1) : 0
            let filled = Int(clamped * Double(Self.width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: Self.width - filled)
            let seconds = (now - start).seconds
            Terminal.writeError("\r\(bar) \(String(format: "%3d%%", Int(clamped * 100))) \(String(format: "%.1fs", seconds))\u{1B}[K")
        }
    }

    /// Erases the bar if it was drawn.
    func finish() {
        state.withLock { state in
            if state.visible { Terminal.writeError("\r\u{1B}[2K") }
            state.visible = false
            // Late updates from a finished statement must not redraw.
            state.lastDraw = .now + .seconds(3600)
        }
    }
}
