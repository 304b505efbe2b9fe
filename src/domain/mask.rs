//! `CodeDeliveryDetailsType` (reference §2.4): where a code went, with the destination masked
//! the way Cognito shows it — email `j***@e***` (first character of the local part and of the
//! domain), phone `+*******0100` (the last four digits). Pure: no I/O.

/// `DeliveryMediumType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMedium {
    Email,
    Sms,
}

impl DeliveryMedium {
    /// Cognito's name (`EMAIL` / `SMS`).
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryMedium::Email => "EMAIL",
            DeliveryMedium::Sms => "SMS",
        }
    }

    /// The attribute a code over this medium verifies.
    pub fn attribute(self) -> &'static str {
        match self {
            DeliveryMedium::Email => "email",
            DeliveryMedium::Sms => "phone_number",
        }
    }
}

/// Where a code was sent: masked destination, medium and the attribute it goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDeliveryDetails {
    pub destination: String,
    pub medium: DeliveryMedium,
    pub attribute_name: String,
}

impl CodeDeliveryDetails {
    /// The details for a message to `to` over `medium`.
    pub fn new(medium: DeliveryMedium, to: &str) -> Self {
        let destination = match medium {
            DeliveryMedium::Email => mask_email(to),
            DeliveryMedium::Sms => mask_phone(to),
        };
        CodeDeliveryDetails {
            destination,
            medium,
            attribute_name: medium.attribute().to_string(),
        }
    }
}

/// `jane@example.com` → `j***@e***`.
pub fn mask_email(address: &str) -> String {
    let (local, domain) = address.rsplit_once('@').unwrap_or((address, ""));
    let first = |s: &str| s.chars().next().map(String::from).unwrap_or_default();
    format!("{}***@{}***", first(local), first(domain))
}

/// `+15555550100` → `+*******0100`: every digit but the last four hidden.
pub fn mask_phone(number: &str) -> String {
    let digits: Vec<char> = number.chars().filter(char::is_ascii_digit).collect();
    let shown = digits.len().min(4);
    let hidden = digits.len() - shown;
    let tail: String = digits[hidden..].iter().collect();
    format!("+{}{}", "*".repeat(hidden), tail)
}

/// A plausible masked destination for a user that does not exist (PreventUserExistenceErrors):
/// the same for the same `seed` (derived from the pool's key and the username), so repeating a
/// request does not tell it apart from a real user's.
pub fn simulated_destination(medium: DeliveryMedium, seed: &[u8]) -> String {
    let byte = |i: usize| seed.get(i).copied().unwrap_or(0);
    let letter = |i: usize| char::from(b'a' + byte(i) % 26);
    match medium {
        DeliveryMedium::Email => format!("{}***@{}***", letter(0), letter(1)),
        DeliveryMedium::Sms => {
            let digits: String = (2..6).map(|i| char::from(b'0' + byte(i) % 10)).collect();
            format!("+*******{digits}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_like_cognito() {
        assert_eq!(mask_email("jane@example.com"), "j***@e***");
        assert_eq!(mask_phone("+15555550100"), "+*******0100");
        assert_eq!(mask_phone("+12"), "+12");
        let d = CodeDeliveryDetails::new(DeliveryMedium::Sms, "+15555550100");
        assert_eq!(d.attribute_name, "phone_number");
        assert_eq!(d.medium.as_str(), "SMS");
        let fake = simulated_destination(DeliveryMedium::Email, &[3, 30]);
        assert_eq!(fake, "d***@e***");
        assert_eq!(
            simulated_destination(DeliveryMedium::Sms, &[0, 0, 1, 2, 3, 14]),
            "+*******1234"
        );
    }
}
