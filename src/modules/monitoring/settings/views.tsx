import type { FieldErrors } from '../../../errors.ts';
import { PageHeading } from '../../../ui/components.tsx';
import { Button, ButtonGroup, CancelLink, ErrorSummary, Form, type FormValues, Radios, TextInput } from '../../../ui/forms.tsx';
import { Layout } from '../../../ui/layout.tsx';
import type { MonitoringSettings } from './service.ts';

const CRUMBS = [
  { href: '/', label: 'Home' },
  { href: '/settings', label: 'Settings' },
];

export const settingsValues = (s: MonitoringSettings): FormValues => ({
  throttleMinutes: String(s.throttleMinutes),
  staffAlertsToHead: s.staffAlertsToHead ? 'yes' : 'no',
  auditRetentionDays: String(s.auditRetentionDays),
});

export function MonitoringSettingsPage({ errors, values }: { errors?: FieldErrors; values: FormValues }) {
  const heading = 'Monitoring settings';
  return (
    <Layout title={errors && Object.keys(errors).length ? `Error: ${heading}` : heading} breadcrumbs={CRUMBS}>
      <div className="govuk-grid-row">
        <div className="govuk-grid-column-two-thirds">
          <ErrorSummary errors={errors} />
          <PageHeading>{heading}</PageHeading>
          <p className="govuk-body">
            How alerts from your web filtering and monitoring are grouped and who they go to, and how long sign-in and file-deletion events are kept.
          </p>
          <Form action="/settings/monitoring">
            <TextInput
              name="throttleMinutes"
              label="Group repeats into one alert within (minutes)"
              hint="When the same person sets off the same rule again within this many minutes, the alert they already have is extended instead of a new one being raised. Usually 10. From 1 to 1,440 (24 hours)."
              inputMode="numeric"
              width="5"
              spellCheck={false}
              errors={errors}
              values={values}
            />
            <Radios
              name="staffAlertsToHead"
              label="Should alerts about members of staff go to the head teacher?"
              hint="Alerts about members of staff go to the head teacher of their school (and the trust’s HR lead) instead of the DSL team. Alerts about pupils and unknown usernames always go to the DSL team."
              inline
              options={[
                { value: 'yes', label: 'Yes' },
                { value: 'no', label: 'No' },
              ]}
              errors={errors}
              values={values}
            />
            <TextInput
              name="auditRetentionDays"
              label="Keep sign-in and file-deletion events for (days)"
              hint="Older events are deleted automatically, within the hour after a change. Usually 365. From 30 to 3,650 (10 years)."
              inputMode="numeric"
              width="5"
              spellCheck={false}
              errors={errors}
              values={values}
            />
            <ButtonGroup>
              <Button>Save the settings</Button>
              <CancelLink href="/settings" />
            </ButtonGroup>
          </Form>
        </div>
      </div>
    </Layout>
  );
}
