//! Roles that come from directory groups and who may see or do what.

use serde::{Deserialize, Serialize};

/// One role a user holds; unit roles carry the unit code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(tag = "role", content = "unit", rename_all = "snake_case")]
pub enum Role {
    Employee,
    Executor(String),
    Head(String),
    Admin,
}

impl Role {
    /// Parses the configuration form `employee`, `executor:IT`, `head:IT`, `admin`.
    pub fn parse(text: &str) -> Option<Role> {
        let (name, unit) = match text.split_once(':') {
            Some((n, u)) => (n.trim(), Some(u.trim())),
            None => (text.trim(), None),
        };
        match (name, unit) {
            ("employee", None) => Some(Role::Employee),
            ("admin", None) => Some(Role::Admin),
            ("executor", Some(u)) if !u.is_empty() => Some(Role::Executor(u.to_uppercase())),
            ("head", Some(u)) if !u.is_empty() => Some(Role::Head(u.to_uppercase())),
            _ => None,
        }
    }

    /// The inverse of [`Role::parse`], used for storage.
    pub fn to_text(&self) -> String {
        match self {
            Role::Employee => "employee".into(),
            Role::Admin => "admin".into(),
            Role::Executor(u) => format!("executor:{u}"),
            Role::Head(u) => format!("head:{u}"),
        }
    }
}

/// The set of roles of one signed-in user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles(pub Vec<Role>);

impl Roles {
    pub fn new(mut roles: Vec<Role>) -> Self {
        roles.sort();
        roles.dedup();
        Roles(roles)
    }

    pub fn is_admin(&self) -> bool {
        self.0.contains(&Role::Admin)
    }

    /// Staff of a unit: its executors and its head.
    pub fn is_staff_of(&self, unit: &str) -> bool {
        self.0
            .iter()
            .any(|r| matches!(r, Role::Executor(u) | Role::Head(u) if u == unit))
    }

    pub fn is_head_of(&self, unit: &str) -> bool {
        self.0
            .iter()
            .any(|r| matches!(r, Role::Head(u) if u == unit))
    }

    /// Units whose queue this user works (executor or head), sorted.
    pub fn staff_units(&self) -> Vec<String> {
        let mut units: Vec<String> = self
            .0
            .iter()
            .filter_map(|r| match r {
                Role::Executor(u) | Role::Head(u) => Some(u.clone()),
                _ => None,
            })
            .collect();
        units.sort();
        units.dedup();
        units
    }

    pub fn is_staff(&self) -> bool {
        !self.staff_units().is_empty()
    }

    /// Whether the user may see a request of `unit` filed by `requester_id`.
    pub fn can_view(&self, user_id: i64, requester_id: i64, unit: &str) -> bool {
        self.is_admin() || user_id == requester_id || self.is_staff_of(unit)
    }

    /// Internal notes are for the unit's staff and the administrator only,
    /// never for the requester (even when the requester is staff elsewhere).
    pub fn can_see_internal(&self, unit: &str) -> bool {
        self.is_admin() || self.is_staff_of(unit)
    }

    /// Taking a request into work and registering oral requests.
    pub fn can_work(&self, unit: &str) -> bool {
        self.is_admin() || self.is_staff_of(unit)
    }

    /// Assigning a request to someone else is for the head and the administrator.
    pub fn can_assign(&self, unit: &str) -> bool {
        self.is_admin() || self.is_head_of(unit)
    }

    /// A unit's workload and period reports are for its head and the administrator.
    pub fn can_report(&self, unit: &str) -> bool {
        self.is_admin() || self.is_head_of(unit)
    }

    /// Whether the user sees reports of some unit.
    pub fn reports_anything(&self) -> bool {
        self.is_admin() || self.0.iter().any(|r| matches!(r, Role::Head(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles(list: &[&str]) -> Roles {
        Roles::new(list.iter().filter_map(|r| Role::parse(r)).collect())
    }

    #[test]
    fn role_text_round_trips_and_rejects_nonsense() {
        for text in ["employee", "admin", "executor:IT", "head:BUH"] {
            let role = Role::parse(text).expect(text);
            assert_eq!(role.to_text(), text);
        }
        assert_eq!(Role::parse("executor"), None);
        assert_eq!(Role::parse("boss:IT"), None);
        assert_eq!(
            Role::parse("executor:it"),
            Some(Role::Executor("IT".into()))
        );
    }

    #[test]
    fn a_requester_sees_their_own_request_but_not_its_internal_notes() {
        let r = roles(&["employee"]);
        assert!(r.can_view(7, 7, "IT"));
        assert!(!r.can_view(7, 8, "IT"));
        assert!(!r.can_see_internal("IT"));
    }

    #[test]
    fn staff_see_only_their_units_requests() {
        let r = roles(&["employee", "executor:AHO"]);
        assert!(r.can_view(1, 2, "AHO"));
        assert!(!r.can_view(1, 2, "IT"));
        assert!(r.can_see_internal("AHO"));
        assert!(!r.can_see_internal("IT"));
        assert!(r.can_work("AHO"));
        assert!(!r.can_assign("AHO"));
    }

    #[test]
    fn a_head_assigns_in_their_unit_and_the_admin_everywhere() {
        assert!(roles(&["head:IT"]).can_assign("IT"));
        assert!(!roles(&["head:IT"]).can_assign("BUH"));
        assert!(roles(&["admin"]).can_assign("BUH"));
        assert!(roles(&["admin"]).can_view(1, 2, "BUH"));
    }
}
