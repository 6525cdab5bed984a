//! What a new ticket and a change may hold.

use super::*;

fn text_field(
    name: &str,
    value: &str,
    max: usize,
    errors: &mut Vec<FieldError>,
    single_line: bool,
) {
    if value.trim().is_empty() || value.chars().count() > max {
        errors.push(FieldError::new(
            name,
            format!("must be 1 to {max} characters, not only spaces"),
        ));
    } else if single_line && value.chars().any(char::is_control) {
        errors.push(FieldError::new(name, "must not contain control characters"));
    }
}

impl NewTicket {
    pub fn validate(&self) -> Result<(), TicketError> {
        let mut errors = Vec::new();
        text_field(
            "subject",
            &self.subject,
            MAX_SUBJECT_CHARS,
            &mut errors,
            true,
        );
        text_field("body", &self.body, MAX_BODY_CHARS, &mut errors, false);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(TicketError::Validation(errors))
        }
    }
}

impl TicketPatch {
    pub fn validate(&self) -> Result<(), TicketError> {
        let mut errors = Vec::new();
        if self.status.is_none() && self.priority.is_none() && self.assignee.is_none() {
            errors.push(FieldError::new(
                "status",
                "send status, priority, assignee or several",
            ));
        }
        if let Some(Some(assignee)) = &self.assignee
            && (assignee.is_empty()
                || assignee.len() > 128
                || !assignee.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            errors.push(FieldError::new("assignee", "must be a user id"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(TicketError::Validation(errors))
        }
    }

    /// Whether this is the one change an owner may make: closing.
    pub(super) fn only_closes(&self) -> bool {
        self.status == Some(TicketStatus::Closed)
            && self.priority.is_none()
            && self.assignee.is_none()
    }
}
