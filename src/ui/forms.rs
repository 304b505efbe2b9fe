//! Form handling shared by the pages: the posted fields, and the view-model of one input
//! (`templates/ui/_partials/field.html`) with its label, hint, error and accessibility
//! attributes.

use std::collections::BTreeMap;

/// The fields of a posted form (`application/x-www-form-urlencoded`); the first value of a
/// repeated name counts.
#[derive(Debug, Clone, Default)]
pub struct FormData(BTreeMap<String, String>);

impl FormData {
    /// Parses a form body.
    pub fn parse(body: &[u8]) -> FormData {
        let mut map = BTreeMap::new();
        for (name, value) in url::form_urlencoded::parse(body) {
            map.entry(name.into_owned())
                .or_insert_with(|| value.into_owned());
        }
        FormData(map)
    }

    /// A field's value, if sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    /// A field's value with surrounding spaces removed ("" when absent). Not for passwords.
    pub fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().trim().to_string()
    }

    /// The names of the fields sent.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }

    /// A field's value exactly as sent ("" when absent): passwords and codes.
    pub fn raw(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_string()
    }
}

/// A link offered next to an error ("Confirm your account").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub href: String,
    pub text: String,
}

/// One input of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The input's `name` (what the form posts).
    pub name: String,
    /// The input's `id` (the label points at it).
    pub id: String,
    pub label: String,
    /// `text`, `email`, `tel`, `password`, `date`, `number`, `url`.
    pub input_type: &'static str,
    /// The `autocomplete` hint ("" for none).
    pub autocomplete: &'static str,
    /// The `inputmode` hint ("" for none).
    pub inputmode: &'static str,
    pub value: String,
    pub required: bool,
    /// Help shown under the label (the password policy, a format).
    pub hint: Option<String>,
    pub error: Option<String>,
    pub autofocus: bool,
    /// An identifier, not prose: no spell check, no automatic capitals.
    pub verbatim: bool,
}

impl Field {
    /// A text input named `name`, with `id` = `name`.
    pub fn new(name: &str, label: &str) -> Field {
        Field {
            name: name.to_string(),
            id: name.replace(':', "-"),
            label: label.to_string(),
            input_type: "text",
            autocomplete: "",
            inputmode: "",
            value: String::new(),
            required: true,
            hint: None,
            error: None,
            autofocus: false,
            verbatim: false,
        }
    }

    pub fn label_text(mut self, label: &str) -> Field {
        self.label = label.to_string();
        self
    }

    pub fn spellcheck_off(mut self) -> Field {
        self.verbatim = true;
        self
    }

    pub fn id(mut self, id: &str) -> Field {
        self.id = id.to_string();
        self
    }

    pub fn kind(mut self, input_type: &'static str) -> Field {
        self.input_type = input_type;
        self
    }

    pub fn autocomplete(mut self, autocomplete: &'static str) -> Field {
        self.autocomplete = autocomplete;
        self
    }

    pub fn inputmode(mut self, inputmode: &'static str) -> Field {
        self.inputmode = inputmode;
        self
    }

    pub fn value(mut self, value: impl Into<String>) -> Field {
        self.value = value.into();
        self
    }

    pub fn optional(mut self) -> Field {
        self.required = false;
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Field {
        self.hint = Some(hint.into());
        self
    }

    /// The id of the element holding the field's error.
    pub fn error_id(&self) -> String {
        format!("{}-error", self.id)
    }

    /// The id of the element holding the field's hint.
    pub fn hint_id(&self) -> String {
        format!("{}-hint", self.id)
    }

    /// The `aria-describedby` value: the hint and the error ("" when neither).
    pub fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(self.hint_id());
        }
        if self.error.is_some() {
            ids.push(self.error_id());
        }
        ids.join(" ")
    }
}

/// What every form shows: where it posts, its CSRF token, its inputs, a notice ("We sent a
/// code") and an error for the whole form with ways out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FormState {
    /// The form's `action` (the page itself, with the authorization request).
    pub action: String,
    /// The hidden `_csrf` value.
    pub csrf: String,
    pub fields: Vec<Field>,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub error_links: Vec<Link>,
}

impl FormState {
    /// A form posting to `action` with these inputs, the focus on the first empty one.
    pub fn new(action: String, csrf: String, mut fields: Vec<Field>) -> FormState {
        focus(&mut fields);
        FormState {
            action,
            csrf,
            fields,
            ..Default::default()
        }
    }

    /// Shows an error: next to its field when the form has that field, else for the whole
    /// form.
    pub fn show(&mut self, field: Option<&str>, message: &str) {
        if !mark(&mut self.fields, field, message) {
            self.error = Some(message.to_string());
        }
    }

    /// The value typed into a field ("" when it has none).
    pub fn value(&self, name: &str) -> &str {
        self.fields
            .iter()
            .find(|f| f.name == name)
            .map(|f| f.value.as_str())
            .unwrap_or_default()
    }
}

/// Puts `error` on the field named `name` (when the form has it) and moves the focus to the
/// first field with an error, or else to the first empty field. Returns false when no field
/// has that name (the caller shows the error for the whole form).
pub fn mark(fields: &mut [Field], name: Option<&str>, error: &str) -> bool {
    let found = match name.and_then(|n| fields.iter_mut().find(|f| f.name == n)) {
        Some(field) => {
            field.error = Some(error.to_string());
            true
        }
        None => false,
    };
    focus(fields);
    found
}

/// Autofocus on the first field with an error, else the first empty one, else the first.
pub fn focus(fields: &mut [Field]) {
    for f in fields.iter_mut() {
        f.autofocus = false;
    }
    let index = fields
        .iter()
        .position(|f| f.error.is_some())
        .or_else(|| fields.iter().position(|f| f.value.is_empty()))
        .unwrap_or(0);
    if let Some(f) = fields.get_mut(index) {
        f.autofocus = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_keep_the_first_value() {
        let f = FormData::parse(b"username=%20jane%20&password=a+b&username=x");
        assert_eq!(f.text("username"), "jane");
        assert_eq!(f.raw("password"), "a b");
        assert_eq!(f.get("missing"), None);
    }

    #[test]
    fn errors_land_on_their_field_and_take_the_focus() {
        let mut fields = vec![
            Field::new("username", "Username").value("jane"),
            Field::new("password", "Password").hint("8 characters"),
        ];
        assert!(mark(&mut fields, Some("password"), "Too short"));
        assert!(fields[1].autofocus && !fields[0].autofocus);
        assert_eq!(fields[1].described_by(), "password-hint password-error");
        assert!(!mark(&mut fields, Some("email"), "x"));
        assert_eq!(Field::new("custom:tier", "Tier").id, "custom-tier");
    }
}
