/*
 * The autoscaler's excluded periods (job.autoscaler.excluded.periods), as
 * flink-autoscaler 1.15.0 checks them (CalendarUtils): each period is a
 * daily time range ("9:30-10:50:20"), a Quartz cron expression
 * ("* * 9-11,14-16 * * ?"), or one of each joined by "&&". The parsers
 * decide what Quartz 2.4.0 would accept: CronExpression for cron and
 * DailyCalendar for daily ranges, quirks included (a cron field may carry
 * trailing characters Quartz never reads; "12:00-10:00" is refused since
 * a daily range must end after it starts).
 */
#ifndef FG_RENDER_QUARTZ_H
#define FG_RENDER_QUARTZ_H

/* Longest expression parsed; longer ones are refused. */
#define FG_QUARTZ_MAX_EXPR 4096

/*
 * new CronExpression(expr) succeeds. `max_year` is Quartz's MAX_YEAR (the
 * current year + 100): a year range that starts after it is refused.
 */
int fg_quartz_cron_valid(const char *expr, int max_year);

/* new DailyCalendar(start, end) succeeds ("HH:MM[:SS[:mmm]]", start < end) */
int fg_quartz_daily_valid(const char *start, const char *end);

/*
 * CalendarUtils.validateExcludedExpression(expression): 0 when valid,
 * else FG_EINVALID with the autoscaler's message (naming `key`) as the
 * error. FG_ERROR when out of memory.
 */
int fg_quartz_excluded_period_check(const char *expression, const char *key,
				    int max_year);

#endif
