using System.Collections;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace MnistLab.Common;

/// <summary>
/// Options records addressed by the dotted JSON names of their properties (<c>train.epochs</c>, <c>alpha</c>,
/// <c>data.generate.test_count</c>): the keys a sweep or <c>--set KEY=VALUE</c> changes. A copy with a changed
/// value is made through JSON, so a record's own defaults and converters apply, and the original is untouched.
/// </summary>
public static class OptionPaths
{
    /// <summary>Every settable key of <paramref name="type"/>, nested records flattened, in declaration order.</summary>
    public static IReadOnlyList<string> Keys(Type type) => Leaves(type, "").Select(l => l.Key).ToList();

    /// <summary>
    /// The property a key names, as the library names it in errors (<c>TrainOptions.Epochs</c>), or null for an unknown key.
    /// </summary>
    public static string? LibraryName(Type type, string key) => Resolve(type, key) is { } p ? $"{p.DeclaringType!.Name}.{p.Name}" : null;

    /// <summary>
    /// The value at <paramref name="key"/> of <paramref name="options"/> as the command line writes it (<c>5</c>,
    /// <c>0.001</c>, <c>linear_mse,linear_ce</c>, <c>gausslegendre</c>); "none" for a null.
    /// </summary>
    public static string Get(object options, string key)
    {
        JsonNode? node = JsonSerializer.SerializeToNode(options, options.GetType(), Json.Options);
        foreach (var part in key.Split('.'))
            node = node is JsonObject o && o.TryGetPropertyValue(part, out var child) ? child
                : throw new ArgumentException($"'{key}' is not an option of {options.GetType().Name}.");
        return node switch
        {
            null => "none",
            JsonArray a => string.Join(',', a.Select(i => i is JsonValue v && v.TryGetValue<string>(out var s) ? s : i?.ToJsonString(Json.Options) ?? "none")),
            JsonValue v when v.TryGetValue<string>(out var s) => s,
            _ => node.ToJsonString(Json.Options),
        };
    }

    /// <summary>A copy of <paramref name="options"/> with each key set to its value, parsed as the property's type.</summary>
    public static T With<T>(T options, IEnumerable<(string Key, string Value)> settings) where T : class =>
        (T)With((object)options, settings);

    public static object With(object options, IEnumerable<(string Key, string Value)> settings)
    {
        var type = options.GetType();
        var root = JsonSerializer.SerializeToNode(options, type, Json.Options)!.AsObject();
        foreach (var (key, value) in settings)
        {
            var property = Resolve(type, key)
                ?? throw new InvalidOptionException("key", $"'{key}' is not an option of {type.Name}; the options are {string.Join(", ", Keys(type))}.");
            var parts = key.Split('.');
            JsonObject parent = root;
            foreach (var part in parts[..^1]) parent = parent[part] as JsonObject ?? (JsonObject)(parent[part] = new JsonObject());
            parent[parts[^1]] = Parse(property.PropertyType, value, key, type);
        }
        try
        {
            return root.Deserialize(type, Json.Options) ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            throw new InvalidOptionException("key", $"the options of {type.Name} cannot take these values ({e.Message}).");
        }
    }

    /// <summary>The property at <paramref name="key"/>, walking nested records by their JSON names; null when there is none.</summary>
    static PropertyInfo? Resolve(Type type, string key)
    {
        PropertyInfo? property = null;
        foreach (var part in key.Split('.'))
        {
            property = Settable(type, property).FirstOrDefault(p => JsonName(p) == part);
            if (property is null) return null;
            type = property.PropertyType;
        }
        return property is not null && IsLeaf(property.PropertyType) ? property : null;
    }

    static IEnumerable<(string Key, PropertyInfo Property)> Leaves(Type type, string prefix, PropertyInfo? of = null)
    {
        foreach (var p in Settable(type, of))
        {
            string key = prefix + JsonName(p);
            if (IsLeaf(p.PropertyType)) yield return (key, p);
            else foreach (var leaf in Leaves(p.PropertyType, key + ".", p)) yield return leaf;
        }
    }

    /// <summary>The settable properties of <paramref name="type"/>; under a property written by an <see cref="IOptionKeys"/> converter, only those it names.</summary>
    static IEnumerable<PropertyInfo> Settable(Type type, PropertyInfo? of = null)
    {
        var keys = of?.GetCustomAttribute<JsonConverterAttribute>()?.ConverterType is { } converter && typeof(IOptionKeys).IsAssignableFrom(converter)
            ? ((IOptionKeys)Activator.CreateInstance(converter)!).Keys
            : null;
        return type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.CanWrite && p.GetIndexParameters().Length == 0 && p.Name != "EqualityContract" && (keys is null || keys.Contains(JsonName(p))))
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null); // not options (a tensor given in code)
    }

    static string JsonName(PropertyInfo p) => Json.Options.PropertyNamingPolicy!.ConvertName(p.Name);

    /// <summary>Values, strings, enums and lists are set whole; anything else is a nested record whose properties are keys.</summary>
    static bool IsLeaf(Type t)
    {
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t.IsPrimitive || t.IsEnum || t == typeof(string) || t == typeof(decimal) || t == typeof(TimeSpan)
               || t.GetCustomAttribute<JsonConverterAttribute>() is not null // written as one value (a baseline as "blurred:3")
               || (t != typeof(string) && typeof(IEnumerable).IsAssignableFrom(t));
    }

    /// <summary>An enum's values as JSON writes them: a member's <see cref="JsonStringEnumMemberNameAttribute"/>, else its snake_case name.</summary>
    public static IReadOnlyList<string> EnumNames(Type t) => t.GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => f.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name ?? Json.Options.PropertyNamingPolicy!.ConvertName(f.Name)).ToList();

    /// <summary>A command-line value as the JSON of <paramref name="type"/>: numbers, booleans, enum names, comma-separated or JSON lists.</summary>
    static JsonNode? Parse(Type type, string value, string key, Type options)
    {
        var t = Nullable.GetUnderlyingType(type) ?? type;
        var inv = CultureInfo.InvariantCulture;
        if (Nullable.GetUnderlyingType(type) is not null || !t.IsValueType)
            if (value is "null" or "") return null;
        InvalidOptionException Bad(string expected)
        {
            string hint = $"; the options of {options.Name} are {string.Join(", ", Keys(options))}";
            return new(LibraryName(options, key) ?? "key", $"{key} expects {expected}, got '{value}'{hint}.") { Subject = key, KeysHint = hint };
        }
        if (t == typeof(string)) return JsonValue.Create(value);
        if (t == typeof(bool)) return bool.TryParse(value, out var b) ? JsonValue.Create(b) : throw Bad("true or false");
        if (t == typeof(int)) return int.TryParse(value, NumberStyles.Integer, inv, out var i) ? JsonValue.Create(i) : throw Bad("an integer");
        if (t == typeof(long)) return long.TryParse(value, NumberStyles.Integer, inv, out var l) ? JsonValue.Create(l) : throw Bad("an integer");
        if (t == typeof(double)) return double.TryParse(value, NumberStyles.Float, inv, out var d) ? JsonValue.Create(d) : throw Bad("a number");
        if (t.IsEnum)
        {
            var names = EnumNames(t);
            return names.Contains(value) ? JsonValue.Create(value) : throw Bad($"one of {string.Join(", ", names)}");
        }
        if (t.GetCustomAttribute<JsonConverterAttribute>() is not null) return JsonValue.Create(value);
        if (typeof(IEnumerable).IsAssignableFrom(t))
        {
            var element = t.IsArray ? t.GetElementType()! : t.GetGenericArguments().FirstOrDefault() ?? typeof(string);
            if (value.StartsWith('[') && value.EndsWith(']'))
            {
                // A JSON list, or the bracketed list a sweep writes (models=[linear_ce,mlp_ce]): one syntax everywhere.
                try { return JsonNode.Parse(value); }
                catch (JsonException) { value = value[1..^1]; }
            }
            var items = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return new JsonArray(items.Select(item => Parse(element, item, key, options)).ToArray());
        }
        throw Bad($"a value of type {t.Name}");
    }
}

/// <summary>
/// A JSON converter of an options property that writes only some of its type's properties: <see cref="OptionPaths"/>
/// offers only <see cref="Keys"/> (JSON names) under that property.
/// </summary>
public interface IOptionKeys
{
    IReadOnlyList<string> Keys { get; }
}
