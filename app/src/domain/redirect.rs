//! Where a page may send the browser after sign-in: only a path of this
//! site. Browsers drop TAB and line breaks from addresses and read `\` as
//! `/`, so `/\t/evil.example` or `/\evil.example` would leave the site; the
//! check runs on the text as given and once percent-decoded.

/// `next` if it is a same-origin path, else `/`.
pub fn safe_next(next: &str) -> &str {
    let decoded = percent_decode(next);
    if local_path(next) && decoded.as_deref().is_some_and(local_path) {
        next
    } else {
        "/"
    }
}

/// `/` followed by anything but `/` or `\`, with no control character and no `\`.
fn local_path(path: &str) -> bool {
    let mut chars = path.chars();
    chars.next() == Some('/')
        && !matches!(chars.next(), Some('/') | Some('\\'))
        && !path.chars().any(|c| c.is_control() || c == '\\')
}

/// `%XX` escapes decoded; `None` if an escape or the result is invalid.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_paths_of_this_site_are_followed() {
        for ok in [
            "/",
            "/requests/5",
            "/kb?q=%D0%BA%D0%BB%D1%8E%D1%87",
            "/queue#h",
        ] {
            assert_eq!(safe_next(ok), ok);
        }
        for bad in [
            "",
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/%09/evil.example/",
            "/%2F/evil.example/",
            "/%5Cevil.example/",
            "\\\\evil.example",
            "/a\\b",
            "/bad%zz",
            "/%C0",
            "evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
