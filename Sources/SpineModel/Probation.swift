/// Probation of new spines from activity-guided spinogenesis (docs/MODEL.md
/// §4): a spine on probation is stabilised as soon as its efficacy ρ is
/// above ρ* (at the end of a session or of a home-cage step), and eliminated
/// as transient when its probation ends before that.
extension NewSpineRules {
    /// Whether a spine on probation with efficacy ρ is stabilised.
    @inlinable
    public func stabilises(efficacy rho: Double, rhoStar: Double) -> Bool { rho > rhoStar }

    /// Whether the probation of a spine born on `bornDay` has ended at day `now`.
    @inlinable
    public func probationEnded(bornDay: Double, now: Double) -> Bool {
        guard let days = probationDays else { return false }
        return now >= bornDay + days
    }
}
