// Settings of the `sweep` method (see PlaneSweep.swift for the algorithm). Every field changes output bytes,
// so every field is listed in `PlaneSweep.settings` (resume hashes, metrics.json).
//
// JSON: any subset of the fields, e.g. {"planes": 128, "cost": "ncc"}; missing fields keep their defaults
// (the CLI's --sweep-config takes such an object).

import Foundation
import ViewSynthCore

/// Photo-consistency score of a depth plane at a pixel.
public enum SweepCost: String, Codable, Sendable, CaseIterable {
    /// Colour variance across the reference views (mean over RGB), box-aggregated over the window.
    case variance
    /// 1 − mean over views of the windowed NCC (grey levels) between each view's patch and the views' mean
    /// patch. Textureless patches score ≈ 1 (no evidence) rather than 0.
    case ncc
    /// variance + nccWeight · (1 − NCC): texture decides where there is texture, colour agreement elsewhere.
    case hybrid
}

/// How reference views are ranked for a target (ReferenceViewCriterion).
public enum SweepViewSelection: String, Codable, Sendable, CaseIterable {
    case centre, angle, combined
}

public struct PlaneSweepConfig: Sendable, Codable, Equatable {
    /// D: depth planes, uniform in inverse depth between the scene's near and far.
    public var planes = 64
    /// K: reference views per target.
    public var views = 8
    /// Side of the square cost-aggregation window (odd).
    public var window = 9
    /// Side of the NCC window (odd); 0 = same as `window`.
    public var nccWindow = 0
    /// Angular scale (radians) of the lumigraph weights.
    public var angleScale: Double = 0.02
    /// Colour distance (RGB, 0–1) beyond which a reference colour is treated as occluded in the blend.
    public var colorSigma: Double = 0.4
    public var cost: SweepCost = .hybrid
    /// hybrid: weight of the (1 − NCC) term, in units of colour variance.
    public var nccWeight: Double = 0.1
    /// NCC: grey-level standard deviation below which a patch counts as textureless (regulariser ε = σ²).
    public var nccTextureSigma: Double = 0.02
    /// NCC against the mean of the other views (true) or of all views including itself (false).
    public var nccLeaveOneOut = true
    /// NCC averaged over all K views, a view that does not see the point counting 0 (true), or over the
    /// views that see it (false).
    public var nccOverAllViews = true
    /// Variance with the n/(n−1) correction (otherwise points seen by 2 views look too consistent).
    public var unbiasedVariance = true
    /// Gaussian blur σ (pixels) applied to the reference images used by the cost (not by the blend).
    public var costBlur: Double = 1
    /// Per pixel, average the variance only over the best `robustViews` views (0 = all): tolerates occluders.
    public var robustViews = 0
    public var selection: SweepViewSelection = .centre
    /// combined selection: metres of centre distance per radian of viewing-direction difference.
    public var selectionAngleWeight: Double = 1
    /// Soft depth: the colour is the cost-weighted mix of the blends at the best plane and its neighbours
    /// within ±softPlanes planes, weights exp(−(c − c_min) / softTemperature). 0 = hard argmin.
    public var softPlanes = 0
    public var softTemperature: Double = 0.002

    public init() {}

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let d = PlaneSweepConfig()
        planes = try c.decodeIfPresent(Int.self, forKey: .planes) ?? d.planes
        views = try c.decodeIfPresent(Int.self, forKey: .views) ?? d.views
        window = try c.decodeIfPresent(Int.self, forKey: .window) ?? d.window
        nccWindow = try c.decodeIfPresent(Int.self, forKey: .nccWindow) ?? d.nccWindow
        angleScale = try c.decodeIfPresent(Double.self, forKey: .angleScale) ?? d.angleScale
        colorSigma = try c.decodeIfPresent(Double.self, forKey: .colorSigma) ?? d.colorSigma
        cost = try c.decodeIfPresent(SweepCost.self, forKey: .cost) ?? d.cost
        nccWeight = try c.decodeIfPresent(Double.self, forKey: .nccWeight) ?? d.nccWeight
        nccTextureSigma = try c.decodeIfPresent(Double.self, forKey: .nccTextureSigma) ?? d.nccTextureSigma
        nccLeaveOneOut = try c.decodeIfPresent(Bool.self, forKey: .nccLeaveOneOut) ?? d.nccLeaveOneOut
        nccOverAllViews = try c.decodeIfPresent(Bool.self, forKey: .nccOverAllViews) ?? d.nccOverAllViews
        unbiasedVariance = try c.decodeIfPresent(Bool.self, forKey: .unbiasedVariance) ?? d.unbiasedVariance
        costBlur = try c.decodeIfPresent(Double.self, forKey: .costBlur) ?? d.costBlur
        robustViews = try c.decodeIfPresent(Int.self, forKey: .robustViews) ?? d.robustViews
        selection = try c.decodeIfPresent(SweepViewSelection.self, forKey: .selection) ?? d.selection
        selectionAngleWeight = try c.decodeIfPresent(Double.self, forKey: .selectionAngleWeight) ?? d.selectionAngleWeight
        softPlanes = try c.decodeIfPresent(Int.self, forKey: .softPlanes) ?? d.softPlanes
        softTemperature = try c.decodeIfPresent(Double.self, forKey: .softTemperature) ?? d.softTemperature
    }

    /// Decodes a JSON object of fields (missing ones keep their defaults); unknown keys are an error, so a typo
    /// cannot silently fall back to a default.
    public static func decode(json: Data) throws -> PlaneSweepConfig {
        let object = try JSONSerialization.jsonObject(with: json)
        guard let dict = object as? [String: Any] else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not a JSON object"))
        }
        let known = Set(PlaneSweepConfig().settings.keys)
        if let bad = dict.keys.sorted().first(where: { !known.contains($0) }) {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription:
                "unknown field \"\(bad.prefix(40))\" (known: \(known.sorted().joined(separator: ", ")))"))
        }
        return try JSONDecoder().decode(PlaneSweepConfig.self, from: json)
    }

    /// Decodes and checks settings from JSON text (e.g. --sweep-config): every failure is a one-line
    /// ViewSynthError naming `source`, with the reason but never the input.
    public static func parse(json: Data, source: String) throws -> PlaneSweepConfig {
        let c: PlaneSweepConfig
        do { c = try decode(json: json) } catch {
            throw ViewSynthError(source, expected: "a JSON object of PlaneSweepConfig fields", found: DecodingProblem.describe(error))
        }
        if let problem = c.problem { throw ViewSynthError(source, expected: "usable sweep settings", found: problem) }
        return c
    }

    /// A one-line description of what is wrong, or nil when the settings are usable.
    public var problem: String? {
        let maxPlanes = InputLimits.maxPlanes, maxViews = InputLimits.maxReferenceViews, maxWindow = InputLimits.maxWindow
        if planes < 2 || planes > maxPlanes { return "planes must be within 2…\(maxPlanes), found \(planes)" }
        if views < 1 || views > maxViews { return "views must be within 1…\(maxViews), found \(views)" }
        if window < 1 || window % 2 == 0 || window > maxWindow { return "window must be odd within 1…\(maxWindow), found \(window)" }
        if nccWindow < 0 || (nccWindow > 0 && nccWindow % 2 == 0) || nccWindow > maxWindow {
            return "nccWindow must be 0 or odd within 1…\(maxWindow), found \(nccWindow)"
        }
        if !(angleScale > 0) || !angleScale.isFinite { return "angleScale must be positive, found \(angleScale)" }
        if !(colorSigma > 0) || !colorSigma.isFinite { return "colorSigma must be positive, found \(colorSigma)" }
        if !(nccWeight >= 0) || !nccWeight.isFinite { return "nccWeight must be ≥ 0, found \(nccWeight)" }
        if !(nccTextureSigma > 0) || !nccTextureSigma.isFinite { return "nccTextureSigma must be positive, found \(nccTextureSigma)" }
        if !(costBlur >= 0) || costBlur > 20 { return "costBlur must be in [0, 20], found \(costBlur)" }
        if robustViews < 0 || robustViews > maxViews { return "robustViews must be within 0…\(maxViews), found \(robustViews)" }
        if !selectionAngleWeight.isFinite || selectionAngleWeight < 0 {
            return "selectionAngleWeight must be finite and ≥ 0, found \(selectionAngleWeight)"
        }
        if softPlanes < 0 || softPlanes > 8 { return "softPlanes must be in 0...8, found \(softPlanes)" }
        if !(softTemperature > 0) || !softTemperature.isFinite { return "softTemperature must be positive, found \(softTemperature)" }
        return nil
    }

    var effectiveNCCWindow: Int { nccWindow > 0 ? nccWindow : window }
    /// Region margin around a tile: half the largest window in use.
    var margin: Int { max(window, cost == .variance ? 1 : effectiveNCCWindow) / 2 }

    var criterion: ReferenceViewCriterion {
        switch selection {
        case .centre: return .centreDistance
        case .angle: return .viewingAngle
        case .combined: return .combined(angleWeight: selectionAngleWeight)
        }
    }

    /// "key=value" strings for every field (PlaneSweep.settings).
    var settings: [String: String] {
        ["planes": "\(planes)", "views": "\(views)", "window": "\(window)", "nccWindow": "\(nccWindow)",
         "angleScale": "\(angleScale)", "colorSigma": "\(colorSigma)", "cost": cost.rawValue,
         "nccWeight": "\(nccWeight)", "nccTextureSigma": "\(nccTextureSigma)", "costBlur": "\(costBlur)",
         "nccLeaveOneOut": "\(nccLeaveOneOut)", "nccOverAllViews": "\(nccOverAllViews)",
         "unbiasedVariance": "\(unbiasedVariance)",
         "robustViews": "\(robustViews)", "selection": selection.rawValue,
         "selectionAngleWeight": "\(selectionAngleWeight)", "softPlanes": "\(softPlanes)",
         "softTemperature": "\(softTemperature)"]
    }
}
