/// UP/DOWN transition probabilities of a protocol and the resulting change of
/// mean synaptic strength (docs/MODEL.md §1):
///
///     change = [β(1−UP) + (1−β)DOWN + b(β·UP + (1−β)(1−DOWN))] / [β + (1−β)b]
///
/// β is the fraction of synapses initially DOWN, b the UP/DOWN weight ratio.
public struct SynapticChange: Sendable, Equatable, Codable {
    /// P(ends UP | ρ₀ = 0).
    public var up: Double
    /// P(ends DOWN | ρ₀ = 1).
    public var down: Double
    /// Relative change of mean synaptic strength.
    public var change: Double

    public init(up: Double, down: Double, beta: Double, weightRatio b: Double) {
        self.up = up
        self.down = down
        change = (beta * (1 - up) + (1 - beta) * down + b * (beta * up + (1 - beta) * (1 - down)))
            / (beta + (1 - beta) * b)
    }
}
