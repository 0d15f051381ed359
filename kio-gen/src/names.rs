//! Naming: Kafka's PascalCase names to Rust's snake_case and to the
//! camelCase that Kafka's generated JSON converters use.

/// `TopicId` → `topic_id`, `ISRNodes` → `isr_nodes`, `timeoutMs` → `timeout_ms`.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase());
            if prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next_lower)
            {
                out.push('_');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A Rust identifier for a field: snake case, keywords escaped as raw identifiers.
pub fn field_ident(name: &str) -> String {
    let s = snake(name);
    const KEYWORDS: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use",
        "where", "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final",
        "macro", "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
    ];
    if KEYWORDS.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// Kafka's JSON spelling: the name with its first letter lower-cased.
pub fn json_name(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// `SCREAMING_SNAKE` → `PascalCase` (for error code variants).
pub fn pascal_from_screaming(name: &str) -> String {
    name.split('_')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            match c.next() {
                Some(f) => f.to_ascii_uppercase().to_string() + &c.as_str().to_ascii_lowercase(),
                None => String::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(snake("TopicId"), "topic_id");
        assert_eq!(snake("timeoutMs"), "timeout_ms");
        assert_eq!(snake("ISRNodes"), "isr_nodes");
        assert_eq!(snake("ZkMigrationReady"), "zk_migration_ready");
        assert_eq!(snake("Uint16"), "uint16");
        assert_eq!(field_ident("Type"), "r#type");
        assert_eq!(json_name("ClusterId"), "clusterId");
        assert_eq!(
            pascal_from_screaming("OFFSET_OUT_OF_RANGE"),
            "OffsetOutOfRange"
        );
    }
}
