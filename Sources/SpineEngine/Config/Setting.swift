/// One key of a section bound to the property of `Model` it sets: reading
/// the key, writing it into the resolved configuration (manifest.json) and
/// declaring it (JSON Schema, docs/CONFIG.md) all come from this one value.
/// A key that is absent leaves the property as it is (its default).
struct Setting<Model> {
    let key: String
    /// Reads the key, if present, into the model.
    let read: (ConfigMapping, inout Model) throws -> Void
    /// The key's value in experiment-file form.
    let value: (Model) -> ConfigTree
    /// The declaration, with the default taken from a model of defaults.
    let declare: (Model) -> SettingDeclaration
}

extension Setting {
    /// A real number stored as `scale` × the value in the file (e.g. a file
    /// in seconds, a model in milliseconds: scale 1000).
    static func number(_ key: String, _ path: WritableKeyPath<Model, Double>, _ range: NumberRange, unit: String = "",
                       scale: Double = 1, _ summary: String) -> Setting {
        Setting(key: key,
                read: { section, model in
                    if let x = try section.number(key, in: range, unit: unit) { model[keyPath: path] = x * scale }
                },
                value: { .number($0[keyPath: path] / scale) },
                declare: { SettingDeclaration(key: key, type: .number(range), unit: unit, defaultValue: .number($0[keyPath: path] / scale),
                                              summary: summary) })
    }

    /// A real number, or the word `auto` (stored as nil).
    static func numberOrAuto(_ key: String, _ path: WritableKeyPath<Model, Double?>, _ range: NumberRange, unit: String = "",
                             _ summary: String) -> Setting {
        Setting(key: key,
                read: { section, model in
                    guard section.contains(key) else { _ = section.value(key); return }
                    model[keyPath: path] = try section.numberOrAuto(key, in: range, default: 0, unit: unit)
                },
                value: { $0[keyPath: path].map { .number($0) } ?? "auto" },
                declare: { SettingDeclaration(key: key, type: .numberOrAuto(range), unit: unit,
                                              defaultValue: $0[keyPath: path].map { .number($0) } ?? "auto", summary: summary) })
    }

    static func integer(_ key: String, _ path: WritableKeyPath<Model, Int>, _ range: ClosedRange<Int>, unit: String = "",
                        _ summary: String) -> Setting {
        Setting(key: key,
                read: { section, model in
                    if let x = try section.integer(key, in: range) { model[keyPath: path] = x }
                },
                value: { .number(Double($0[keyPath: path])) },
                declare: { SettingDeclaration(key: key, type: .integer(range), unit: unit, defaultValue: .number(Double($0[keyPath: path])),
                                              summary: summary) })
    }

    static func flag(_ key: String, _ path: WritableKeyPath<Model, Bool>, _ summary: String) -> Setting {
        Setting(key: key,
                read: { section, model in model[keyPath: path] = try section.bool(key, default: model[keyPath: path]) },
                value: { .flag($0[keyPath: path]) },
                declare: { SettingDeclaration(key: key, type: .flag, defaultValue: .flag($0[keyPath: path]), summary: summary) })
    }

    /// One of the names of `Choice`'s cases.
    static func choice<Choice: CaseIterable & RawRepresentable<String>>(_ key: String, _ path: WritableKeyPath<Model, Choice>,
                                                                        _ summary: String) -> Setting {
        let names = Choice.allCases.map(\.rawValue)
        return Setting(key: key,
                       read: { section, model in
                           let name = try section.choice(key, from: names, default: model[keyPath: path].rawValue)
                           model[keyPath: path] = Choice(rawValue: name)!
                       },
                       value: { .text($0[keyPath: path].rawValue) },
                       declare: { SettingDeclaration(key: key, type: .choice(names), defaultValue: .text($0[keyPath: path].rawValue),
                                                     summary: summary) })
    }

    /// A nested mapping whose keys set the properties of `Model.Part`.
    static func section<Part>(_ key: String, _ path: WritableKeyPath<Model, Part>, _ settings: SettingSection<Part>,
                              _ summary: String) -> Setting {
        Setting(key: key,
                read: { section, model in
                    if let nested = try section.mapping(key) { try settings.read(nested, into: &model[keyPath: path]) }
                },
                value: { settings.tree($0[keyPath: path]) },
                declare: { SettingDeclaration(key: key, type: settings.type(defaults: $0[keyPath: path]), summary: summary) })
    }
}

/// The keys of one section of an experiment file, each bound to a property of `Model`.
struct SettingSection<Model> {
    /// Names the section in the schema's `$defs`.
    let name: String
    let settings: [Setting<Model>]

    init(_ name: String, _ settings: [Setting<Model>]) {
        self.name = name
        self.settings = settings
    }

    /// Reads the keys present into `model` (absent keys keep its values) and
    /// rejects any other key.
    func read(_ section: ConfigMapping, into model: inout Model) throws {
        try readKeys(section, into: &model)
        try section.finish()
    }

    /// Reads the keys present into `model`, leaving other keys to the caller.
    func readKeys(_ section: ConfigMapping, into model: inout Model) throws {
        for setting in settings { try setting.read(section, &model) }
    }

    /// `defaults` with the keys of `section` (if there is one) read into it.
    func read(_ section: ConfigMapping?, defaults: Model) throws -> Model {
        var model = defaults
        if let section { try read(section, into: &model) }
        return model
    }

    /// The section in experiment-file form.
    func tree(_ model: Model) -> ConfigTree { .map(pairs(model)) }

    func pairs(_ model: Model) -> [(String, ConfigTree)] { settings.map { ($0.key, $0.value(model)) } }

    func declarations(defaults: Model) -> [SettingDeclaration] { settings.map { $0.declare(defaults) } }

    func type(defaults: Model) -> SettingType { .section(name: name, declarations(defaults: defaults)) }
}
