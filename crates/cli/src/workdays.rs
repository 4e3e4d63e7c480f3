//! `waymark workdays add|between`, and loading a bank holiday file for any command.

use std::fs;

use anyhow::Context;
use waymark_domain::WorkingDayCalendar;

use crate::args::{CalendarArgs, WorkdaysArgs, WorkdaysCommand};

/// The built-in calendar, or the operator's newer GOV.UK file.
pub fn load_calendar(args: &CalendarArgs) -> anyhow::Result<WorkingDayCalendar> {
    match &args.calendar {
        None if args.division == waymark_domain::calendar::DEFAULT_DIVISION => {
            Ok(WorkingDayCalendar::england_and_wales())
        }
        None => Ok(WorkingDayCalendar::from_govuk_json(
            include_str!("../../domain/data/bank-holidays.json"),
            &args.division,
        )?),
        Some(path) => {
            let text = fs::read_to_string(path)
                .with_context(|| format!("cannot read the calendar file {}", path.display()))?;
            WorkingDayCalendar::from_govuk_json(&text, &args.division)
                .with_context(|| format!("cannot use the calendar file {}", path.display()))
        }
    }
}

/// Runs `waymark workdays`.
pub fn run(args: &WorkdaysArgs) -> anyhow::Result<()> {
    match &args.command {
        WorkdaysCommand::Add {
            from,
            days,
            calendar,
        } => {
            let date = load_calendar(calendar)?.add_working_days(*from, *days)?;
            println!("{date}");
        }
        WorkdaysCommand::Between { from, to, calendar } => {
            let count = load_calendar(calendar)?.working_days_between(*from, *to)?;
            println!("{count}");
        }
    }
    Ok(())
}
