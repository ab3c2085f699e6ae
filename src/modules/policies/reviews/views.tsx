import type { FieldErrors } from '../../../errors.ts';
import { type Column, PageHeading, SummaryList, Table, Tag, type Tone, WarningText } from '../../../ui/components.tsx';
import { formatDate, formatDateTime } from '../../../ui/format.ts';
import { Button, ButtonGroup, CancelLink, DateInput, ErrorSummary, Form, type FormValues, Radios, Select, Textarea } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import { roleLabel } from '../../organisations/roles.ts';
import { PolicyFormPage } from '../views/form-page.tsx';
import { CADENCE } from './emails.tsx';
import type { CalendarGroups, CalendarRow, calendarFeedStatus, reviewForm } from './service.ts';
import { DUE_SOON_DAYS, daysBetween, reviewCountdown } from './service.ts';
import { outcomeLabel, REVIEW_OUTCOMES } from './validation.ts';

/** The review date with its plain countdown: red overdue, orange due within 90 days, grey later. */
export function ReviewCountdown({ on, today }: { on: string | null; today: string }) {
  if (!on) return <span className="cs-muted">No review date</span>;
  const days = daysBetween(today, on);
  const tone: Tone = days < 0 ? 'red' : days <= DUE_SOON_DAYS ? 'orange' : 'grey';
  return <Tag tone={tone}>{reviewCountdown(on, today)}</Tag>;
}

type PastReview = { review: { id: string; reviewedOn: string; outcome: string; note: string | null }; reviewerName: string | null };

/** The policy page's list of reviews recorded without a new version. */
export function PastReviews({ reviews }: { reviews: PastReview[] }) {
  if (reviews.length === 0) return null;
  const columns: Column<PastReview>[] = [
    { header: 'Reviewed on', cell: (r) => formatDate(r.review.reviewedOn) },
    { header: 'Outcome', cell: (r) => outcomeLabel(r.review.outcome) },
    { header: 'Note', cell: (r) => r.review.note ?? '' },
    { header: 'Recorded by', cell: (r) => r.reviewerName ?? 'Countersign' },
  ];
  return (
    <>
      <h2 className="govuk-heading-m">Reviews</h2>
      <Table caption="Reviews" columns={columns} rows={reviews} rowKey={(r) => r.review.id} />
    </>
  );
}

type ReviewForm = Awaited<ReturnType<typeof reviewForm>>;

export function ReviewFormPage({ form, errors, values, today }: { form: ReviewForm; errors?: FieldErrors; values?: FormValues; today: string }) {
  const { policy, inForce } = form;
  const heading = 'Record a review';
  return (
    <PolicyFormPage policy={policy} heading={heading} errors={errors}>
      <SummaryList
        rows={[
          { key: 'Applies to', value: form.schoolName ?? 'Whole trust' },
          { key: 'Version in force', value: inForce?.label ?? 'None yet' },
          { key: 'Last reviewed', value: formatDate(policy.lastReviewedOn) },
          {
            key: 'Next review due',
            value: policy.nextReviewOn ? (
              <>
                {formatDate(policy.nextReviewOn)} <ReviewCountdown on={policy.nextReviewOn} today={today} />
              </>
            ) : (
              ''
            ),
          },
          { key: 'Review cycle', value: `${policy.reviewCycleMonths} months` },
        ]}
      />
      {inForce ? (
        <>
          <p className="govuk-body">
            Record a review when {inForce.label} has been looked at and stays in force for now. The next review will be due {policy.reviewCycleMonths} months
            after the date of this review. If the policy needs changing, record the review and then start its next version.
          </p>
          <Form action={`/policies/${policy.id}/review`}>
            <DateInput name="reviewedOn" label="Date of the review" hint="For example, 27 3 2027" errors={errors} values={values} />
            <Radios
              name="outcome"
              label="Outcome"
              options={Object.entries(REVIEW_OUTCOMES).map(([value, label]) => ({ value, label }))}
              errors={errors}
              values={values}
            />
            <Textarea
              name="note"
              label="Note (optional)"
              hint="For example, who reviewed it and the minutes reference, or what needs to change"
              rows={3}
              errors={errors}
              values={values}
            />
            <p className="govuk-body">The review is added to the policy’s record and cannot be removed.</p>
            <ButtonGroup>
              <Button>Record review</Button>
              <CancelLink href={`/policies/${policy.id}`} />
            </ButtonGroup>
          </Form>
        </>
      ) : (
        <WarningText>{policy.title} has no version in force yet. Publish it first: publishing sets its first review date.</WarningText>
      )}
    </PolicyFormPage>
  );
}

const owner = (r: CalendarRow) => r.ownerName ?? (r.policy.ownerRole ? roleLabel(r.policy.ownerRole) : 'Not set');

type Feed = Awaited<ReturnType<typeof calendarFeedStatus>>;

export function ReviewsPage({
  groups,
  schools,
  school,
  today,
  feed,
}: {
  groups: CalendarGroups;
  schools: { id: string; name: string }[];
  school: string;
  today: string;
  /** undefined when the person may not manage the calendar address. */
  feed?: Feed;
}) {
  const columns: Column<CalendarRow>[] = [
    {
      header: 'Policy',
      cell: (r) => (
        <a className="govuk-link" href={`/policies/${r.policy.id}`}>
          {r.policy.title}
        </a>
      ),
    },
    { header: 'Applies to', cell: (r) => r.schoolName ?? 'Whole trust' },
    { header: 'Owner', cell: owner },
    { header: 'Next review', cell: (r) => formatDate(r.policy.nextReviewOn) },
    { header: 'When', cell: (r) => <ReviewCountdown on={r.policy.nextReviewOn} today={today} /> },
  ];
  const sections: [keyof CalendarGroups, string, string][] = [
    ['overdue', 'Overdue', 'No reviews are overdue.'],
    ['soon', `Due in the next ${DUE_SOON_DAYS} days`, `No reviews are due in the next ${DUE_SOON_DAYS} days.`],
    ['later', 'Later', 'No later reviews.'],
    ['none', 'No review date', 'Every policy has a review date.'],
  ];
  return (
    <Layout title="Reviews" breadcrumbs={[{ href: '/', label: 'Home' }]}>
      <PageHeading>Reviews</PageHeading>
      <p className="govuk-body">When each policy is next due for review. Publishing a version or recording a review sets the next date. {CADENCE}</p>
      <form method="get" action="/reviews" className="cs-filters" role="search" aria-label="Filter reviews">
        <div className="cs-filters__row">
          <Select
            name="school"
            label="Policies of"
            emptyLabel="The trust and every school"
            options={[{ value: 'trust', label: 'The whole trust only' }, ...schools.map((s) => ({ value: s.id, label: s.name }))]}
            values={{ school }}
          />
          <div className="govuk-form-group">
            <Button secondary>Show</Button>
          </div>
        </div>
      </form>
      {sections.map(([key, heading, empty]) => (
        <section key={key} aria-labelledby={`reviews-${key}`}>
          <h2 className="govuk-heading-m" id={`reviews-${key}`}>
            {`${heading} (${groups[key].length})`}
          </h2>
          <Table caption={heading} columns={columns} rows={groups[key]} rowKey={(r) => r.policy.id} empty={empty} />
        </section>
      ))}
      {feed !== undefined && <CalendarFeedSection feed={feed} />}
    </Layout>
  );
}

function CalendarFeedSection({ feed }: { feed: Feed }) {
  return (
    <section aria-labelledby="calendar-feed">
      <h2 className="govuk-heading-m" id="calendar-feed">
        Subscribe in Outlook or Google Calendar
      </h2>
      <p className="govuk-body">
        A secret web address gives the review dates of every policy of the trust as a calendar, which Outlook, Google Calendar and Apple Calendar keep up to
        date. Anyone with the address can see the policies’ titles and review dates, so share it only with the people who plan reviews.
      </p>
      {feed ? (
        <>
          <p className="govuk-body">
            The address was created on {formatDateTime(feed.feed.createdAt)}
            {feed.createdByName ? ` by ${feed.createdByName}` : ''}. It is shown only once. If it has been lost or shared with someone who should not have it,
            replace it: the old address stops working.
          </p>
          <div className="govuk-button-group">
            <a href="/reviews/calendar-address/replace" className="govuk-button govuk-button--secondary" data-module="govuk-button">
              Replace the address
            </a>
            <a href="/reviews/calendar-address/turn-off" className="govuk-link">
              Turn off the address
            </a>
          </div>
        </>
      ) : (
        <Form action="/reviews/calendar-address">
          <Button secondary>Create a calendar address</Button>
        </Form>
      )}
    </section>
  );
}

export function CalendarFeedCreatedPage({ url, replaced }: { url: string; replaced: boolean }) {
  const webcal = url.replace(/^https?:/, 'webcal:');
  return (
    <Layout title="Your calendar address" breadcrumbs={[{ href: '/reviews', label: 'Reviews' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <h1 className="govuk-heading-l">Your calendar address</h1>
          {replaced && <p className="govuk-body">The old address no longer works. Anyone who subscribed to it needs this one.</p>}
          <WarningText>Copy the address now. It will not be shown again.</WarningText>
          <p className="govuk-body cs-secret">{url}</p>
          <h2 className="govuk-heading-m">Outlook</h2>
          <p className="govuk-body">In Calendar, choose Add calendar, then Subscribe from web, and paste the address.</p>
          <h2 className="govuk-heading-m">Google Calendar</h2>
          <p className="govuk-body">Next to Other calendars, choose +, then From URL, and paste the address.</p>
          <h2 className="govuk-heading-m">Apple Calendar</h2>
          <p className="govuk-body">
            Choose File, then New Calendar Subscription, and paste the address, or{' '}
            <a className="govuk-link" href={webcal}>
              open it in your calendar app
            </a>
            .
          </p>
          <p className="govuk-body">Calendars check for changes every few hours, so a new review date can take a while to appear.</p>
          <a href="/reviews" className="govuk-button govuk-button--secondary" data-module="govuk-button">
            I have copied the address
          </a>
        </div>
      </div>
    </Layout>
  );
}

export function CalendarFeedConfirmPage({ kind, errors }: { kind: 'replace' | 'turn-off'; errors?: FieldErrors }) {
  const heading = kind === 'replace' ? 'Replace the calendar address?' : 'Turn off the calendar address?';
  return (
    <Layout title={errors ? `Error: ${heading}` : heading} breadcrumbs={[{ href: '/reviews', label: 'Reviews' }]}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <h1 className="govuk-heading-l">{heading}</h1>
          <p className="govuk-body">
            The current address stops working straight away, for everyone who has subscribed to it. You cannot undo this.
            {kind === 'replace' ? ' You will be shown the new address once, to share again.' : ''}
          </p>
          <Form action={kind === 'replace' ? '/reviews/calendar-address' : '/reviews/calendar-address/turn-off'}>
            {kind === 'replace' && <input type="hidden" name="replace" value="yes" />}
            <ButtonGroup>
              <Button warning>{kind === 'replace' ? 'Replace the address' : 'Turn off the address'}</Button>
              <CancelLink href="/reviews" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}
