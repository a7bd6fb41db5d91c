<?php
// English words of the ChartMogul addon's admin page. Placeholders (%s, %d) are filled with
// vsprintf(); a literal percent sign is written %%.

if (!defined('WHMCS')) {
    die('This file cannot be accessed directly');
}

// Tabs
$_ADDONLANG['tab_dashboard'] = 'Dashboard';
$_ADDONLANG['tab_products'] = 'Products';
$_ADDONLANG['tab_clients'] = 'Clients';
$_ADDONLANG['tab_trial'] = 'Trial';
$_ADDONLANG['tab_cron'] = 'Cron';
$_ADDONLANG['tab_logs'] = 'Logs';
$_ADDONLANG['tab_settings'] = 'Settings';

// General
$_ADDONLANG['save'] = 'Save';
$_ADDONLANG['yes'] = 'Yes';
$_ADDONLANG['no'] = 'No';
$_ADDONLANG['status_never'] = 'Never';
$_ADDONLANG['time_just_now'] = 'just now';
$_ADDONLANG['time_minutes'] = '%d min';
$_ADDONLANG['time_hours'] = '%d h';
$_ADDONLANG['time_days'] = '%d days';
$_ADDONLANG['time_ago'] = '%s ago';
$_ADDONLANG['time_in'] = 'in %s';
$_ADDONLANG['run_status_running'] = 'Running';
$_ADDONLANG['run_status_succeeded'] = 'Succeeded';
$_ADDONLANG['run_status_failed'] = 'Failed';
$_ADDONLANG['run_status_partial'] = 'Finished with rejected records';
$_ADDONLANG['level_error'] = 'Errors';
$_ADDONLANG['level_warning'] = 'Warnings';
$_ADDONLANG['level_info'] = 'Information';

// Table columns
$_ADDONLANG['col_object'] = 'Object';
$_ADDONLANG['col_count'] = 'Sent';
$_ADDONLANG['col_record'] = 'WHMCS record';
$_ADDONLANG['col_kind'] = 'Kind';
$_ADDONLANG['col_reason'] = 'Reason';
$_ADDONLANG['col_external_id'] = 'External ID';
$_ADDONLANG['col_name'] = 'Plan name';
$_ADDONLANG['col_interval'] = 'Billing interval';
$_ADDONLANG['col_synced'] = 'In ChartMogul';
$_ADDONLANG['col_uuid'] = 'ChartMogul UUID';
$_ADDONLANG['col_trigger'] = 'Started by';
$_ADDONLANG['col_mode'] = 'Sync';
$_ADDONLANG['col_status'] = 'Result';
$_ADDONLANG['col_started'] = 'Started';
$_ADDONLANG['col_duration'] = 'Duration';
$_ADDONLANG['col_counts'] = 'Sent to ChartMogul';
$_ADDONLANG['col_error'] = 'Error';
$_ADDONLANG['col_time'] = 'Time';
$_ADDONLANG['col_level'] = 'Level';
$_ADDONLANG['col_message'] = 'Message';
$_ADDONLANG['col_month'] = 'Month';
$_ADDONLANG['count_created'] = 'Created';
$_ADDONLANG['count_updated'] = 'Updated';
$_ADDONLANG['count_deleted'] = 'Deleted';
$_ADDONLANG['count_cancelled'] = 'Cancelled';

// ChartMogul objects
$_ADDONLANG['object_data_source'] = 'Data sources';
$_ADDONLANG['object_plan'] = 'Plans';
$_ADDONLANG['object_customer'] = 'Customers';
$_ADDONLANG['object_invoice'] = 'Invoices';
$_ADDONLANG['object_subscription'] = 'Subscriptions';
$_ADDONLANG['object_transaction'] = 'Payments and refunds';

// Intervals
$_ADDONLANG['interval_month'] = '%d month';
$_ADDONLANG['interval_months'] = '%d months';
$_ADDONLANG['interval_year'] = '%d year';
$_ADDONLANG['interval_years'] = '%d years';
$_ADDONLANG['interval_day'] = '%d day';
$_ADDONLANG['interval_days'] = '%d days';

// Extension missing
$_ADDONLANG['ext_missing_title'] = 'The chartmogul_sync PHP extension is not loaded';
$_ADDONLANG['ext_missing_howto'] = 'How to load the extension';
$_ADDONLANG['ext_missing_intro'] = 'This addon does its work in a PHP extension written in Rust. PHP on this server has not loaded it, so nothing can be synchronized yet. To fix it:';
$_ADDONLANG['ext_missing_step_build'] = 'Build the extension (on a machine with the Rust toolchain and the PHP development headers of the same PHP version):';
$_ADDONLANG['ext_missing_step_ini'] = 'Copy libchartmogul_sync.so to the server and add this line to the php.ini used by WHMCS — both the web server\'s PHP (php-fpm) and the command-line PHP that runs the WHMCS cron:';
$_ADDONLANG['ext_missing_step_restart'] = 'Restart php-fpm (or the web server), then reload this page.';
$_ADDONLANG['ext_missing_step_check'] = 'To check the command-line PHP used by cron:';
$_ADDONLANG['ext_missing_readme'] = 'Full instructions: modules/addons/chartmogul/README.md in your WHMCS folder.';

// Permissions
$_ADDONLANG['perm_no_admin'] = 'Please log in to the WHMCS admin area to use the ChartMogul addon.';
$_ADDONLANG['perm_no_view'] = 'Your admin role is not allowed to view the ChartMogul addon. A Full Administrator can grant "View" on the addon\'s Settings tab.';
$_ADDONLANG['perm_no_sync'] = 'Your admin role is not allowed to start synchronizations or test the connection (permission "Sync").';
$_ADDONLANG['perm_no_configure'] = 'Your admin role is not allowed to change these settings (permission "Configure").';
$_ADDONLANG['perm_readonly_note'] = 'Read only: your admin role does not have the "Configure" permission.';
$_ADDONLANG['perm_title'] = 'Permissions';
$_ADDONLANG['perm_intro'] = 'What each admin role may do in this addon. These checks come on top of the Access Control boxes on Setup > Addon Modules, which decide who sees the addon at all.';
$_ADDONLANG['perm_role'] = 'Admin role';
$_ADDONLANG['perm_view'] = 'View';
$_ADDONLANG['perm_view_help'] = 'open every tab';
$_ADDONLANG['perm_sync'] = 'Sync';
$_ADDONLANG['perm_sync_help'] = 'start syncs, test connection';
$_ADDONLANG['perm_configure'] = 'Configure';
$_ADDONLANG['perm_configure_help'] = 'change settings';
$_ADDONLANG['perm_whmcs_access'] = 'WHMCS Access Control';
$_ADDONLANG['perm_whmcs_access_help'] = 'The last column shows the Access Control set on Setup > Addon Modules > ChartMogul > Configure; a role without it cannot open the addon whatever is ticked here. Sync and Configure include View.';
$_ADDONLANG['perm_your_role'] = '(your role)';
$_ADDONLANG['perm_keep_own_configure'] = 'Your own admin role must keep "Configure", otherwise nobody could change these settings again.';

// Errors
$_ADDONLANG['error_locked'] = 'Another synchronization is running right now (probably the WHMCS cron). Nothing was done; try again in a moment.';
$_ADDONLANG['error_authentication'] = 'ChartMogul refused the API key (%s). Check the key on the Settings tab; it needs read and write access.';
$_ADDONLANG['error_connection'] = 'Could not reach ChartMogul (%s). Nothing was lost; the sync continues where it stopped once ChartMogul is reachable.';
$_ADDONLANG['error_database'] = 'The WHMCS database reported an error: %s';
$_ADDONLANG['error_internal'] = 'Something unexpected went wrong. The details are in the System Activity Log (Utilities > Logs).';
$_ADDONLANG['error_connection_settings'] = 'The ChartMogul connection settings cannot be used (%s). Fix them on the Settings tab.';
$_ADDONLANG['error_get_refused'] = 'This change must be sent with the form\'s button; opening a link changes nothing.';
$_ADDONLANG['error_token'] = 'Your session token is missing or expired. Reload the page and try again.';
$_ADDONLANG['error_unknown_action'] = 'Unknown request.';
$_ADDONLANG['error_unknown_kind'] = 'Unknown kind of synchronization.';

// Saved
$_ADDONLANG['saved_settings'] = 'Mapping settings saved. They apply to what is sent from now on; the nightly full pass brings records sent earlier in line.';
$_ADDONLANG['saved_trial'] = 'Trial rules saved.';
$_ADDONLANG['saved_retention'] = 'Log retention saved.';
$_ADDONLANG['saved_connection'] = 'Connection settings saved.';
$_ADDONLANG['saved_permissions'] = 'Permissions saved.';
$_ADDONLANG['saved_remove_on'] = 'Deactivating the addon will now remove all of its data.';
$_ADDONLANG['saved_remove_off'] = 'Deactivating the addon will keep its data.';

// Sync control
$_ADDONLANG['sync_start_clients'] = 'Synchronize clients';
$_ADDONLANG['sync_start_products'] = 'Synchronize products';
$_ADDONLANG['sync_start_incremental'] = 'Sync changes now';
$_ADDONLANG['sync_continue'] = 'Continue synchronization';
$_ADDONLANG['sync_pause'] = 'Pause';
$_ADDONLANG['sync_progress_clients'] = '%s of %s clients';
$_ADDONLANG['sync_progress_products'] = '%s of %s plans';
$_ADDONLANG['sync_progress_incremental'] = '%s of %s changed clients';
$_ADDONLANG['sync_progress_daily'] = '%s of %s clients';
$_ADDONLANG['sync_running_elsewhere'] = 'A synchronization is running right now (started by cron or another admin). This bar follows it.';
$_ADDONLANG['sync_resume_offer'] = 'A synchronization stopped at %s of %s. Click "Continue synchronization" to go on from there; nothing is sent twice.';
$_ADDONLANG['sync_needs_key'] = 'Add your ChartMogul API key first:';
$_ADDONLANG['sync_rejected_title'] = 'Records ChartMogul rejected';

// JavaScript
$_ADDONLANG['js_progress_clients'] = '{done} of {total} clients';
$_ADDONLANG['js_progress_products'] = '{done} of {total} plans';
$_ADDONLANG['js_progress_incremental'] = '{done} of {total} changed clients';
$_ADDONLANG['js_working'] = 'Synchronizing… You can leave this page: the next visit continues where it stopped.';
$_ADDONLANG['js_finished'] = 'Done: everything is in ChartMogul.';
$_ADDONLANG['js_already_finished'] = 'This synchronization had already finished (in another window or by the cron job); nothing new was started. Click the button to run a new pass.';
$_ADDONLANG['js_finished_rejected'] = 'Done, but ChartMogul rejected {count} record(s) — listed below and on the Logs tab.';
$_ADDONLANG['js_paused'] = 'Paused. Click "Continue synchronization" to go on from here.';
$_ADDONLANG['js_locked_retry'] = 'Another synchronization is running (probably the WHMCS cron). Trying again in {seconds} seconds…';
$_ADDONLANG['js_failed'] = 'The synchronization stopped: {message}';
$_ADDONLANG['js_unexpected'] = 'The server gave an unexpected answer (your admin session may have expired). Reload the page and try again.';
$_ADDONLANG['js_running_elsewhere'] = 'A synchronization is running (cron or another admin)…';
$_ADDONLANG['js_retry'] = 'Try again';
$_ADDONLANG['js_continue'] = 'Continue synchronization';
$_ADDONLANG['js_testing'] = 'Testing the connection…';
$_ADDONLANG['js_test_ok'] = 'Connected';
$_ADDONLANG['js_test_failed'] = 'Not connected';

// Dashboard
$_ADDONLANG['dash_connection'] = 'Connection';
$_ADDONLANG['conn_credentials'] = 'ChartMogul key';
$_ADDONLANG['conn_key_saved'] = 'API key saved';
$_ADDONLANG['conn_legacy_saved'] = 'Account token and secret key saved';
$_ADDONLANG['conn_key_missing'] = 'No API key yet';
$_ADDONLANG['conn_add_key'] = 'Add it on the Settings tab';
$_ADDONLANG['conn_data_source'] = 'Data source';
$_ADDONLANG['conn_last_run'] = 'Last sync result';
$_ADDONLANG['conn_test'] = 'Test connection';
$_ADDONLANG['dash_sync'] = 'Synchronization';
$_ADDONLANG['dash_last_sync'] = 'Last sync';
$_ADDONLANG['dash_last_success'] = 'Last successful sync';
$_ADDONLANG['dash_next_sync'] = 'Next sync';
$_ADDONLANG['dash_next_never'] = 'Cron has not run the sync yet.';
$_ADDONLANG['dash_next_overdue'] = 'Overdue: cron has not run for more than 15 minutes.';
$_ADDONLANG['dash_queue'] = 'Changes waiting';
$_ADDONLANG['dash_backfill'] = 'Client synchronization';
$_ADDONLANG['dash_backfill_done'] = 'complete (%s clients)';
$_ADDONLANG['dash_backfill_progress'] = '%s of %s clients';
$_ADDONLANG['dash_running_now'] = 'A sync is running now (%s).';
$_ADDONLANG['dash_attention'] = 'Needs attention';
$_ADDONLANG['dash_errors_some'] = 'errors in the last 7 days. Each names the WHMCS record and what ChartMogul said.';
$_ADDONLANG['dash_errors_none'] = 'errors in the last 7 days.';
$_ADDONLANG['dash_errors_link'] = 'Show errors';
$_ADDONLANG['dash_warnings_link'] = 'Warnings (%s)';
$_ADDONLANG['dash_sent'] = 'Sent to ChartMogul';
$_ADDONLANG['dash_sent_none'] = 'Nothing sent yet.';
$_ADDONLANG['dash_sync_now_title'] = 'Sync changes now';
$_ADDONLANG['dash_sync_now_help'] = 'Cron sends changes every 5 minutes. Use this to send them right away.';

// MRR chart
$_ADDONLANG['mrr_title'] = 'MRR: WHMCS vs ChartMogul';
$_ADDONLANG['mrr_help'] = 'Monthly recurring revenue at the end of each month, in your default currency (ChartMogul reports in its account currency: set it to the same one). Other currencies are converted: WHMCS with the exchange rates set in WHMCS, ChartMogul with its own daily rates, so with several currencies the lines can differ a little. A clear gap means ChartMogul has not received everything yet, or a plugin leaves some clients out.';
$_ADDONLANG['mrr_whmcs'] = 'WHMCS MRR';
$_ADDONLANG['mrr_chartmogul'] = 'ChartMogul MRR';
$_ADDONLANG['mrr_difference'] = 'Difference';
$_ADDONLANG['mrr_unavailable'] = 'not available';
$_ADDONLANG['mrr_empty'] = 'No MRR history yet.';
$_ADDONLANG['mrr_show_table'] = 'Show the numbers';
$_ADDONLANG['mrr_needs_key'] = 'The MRR comparison appears once a ChartMogul API key is saved.';

// Products
$_ADDONLANG['products_sync_title'] = 'Synchronize products';
$_ADDONLANG['products_sync_help'] = 'Creates or renames the ChartMogul plans for your products and addons. Client synchronization also does this when needed.';
$_ADDONLANG['plans_title'] = 'Products and their ChartMogul plans';
$_ADDONLANG['plans_help'] = 'One plan per product (or addon) and billing cycle. One-time and free products have no plan: they are sent as one-time charges.';
$_ADDONLANG['plans_synced'] = 'Synced';
$_ADDONLANG['plans_not_synced'] = 'Not yet';
$_ADDONLANG['plans_none'] = 'No recurring products found in WHMCS.';

// Clients
$_ADDONLANG['clients_title'] = 'Synchronize clients';
$_ADDONLANG['clients_help'] = 'Sends every client with their invoices, payments, refunds and cancellations to ChartMogul. Run it once after installing; afterwards cron keeps ChartMogul up to date.';
$_ADDONLANG['clients_help_resume'] = 'The work runs in short steps. You can close this page: the synchronization keeps its place and continues when you come back (or click Continue).';

// Trial
$_ADDONLANG['trial_title'] = 'Trial rules';
$_ADDONLANG['trial_intro'] = 'ChartMogul reports trial-to-paid conversion when it knows which services started on a free trial. Tell it here how to recognise them.';
$_ADDONLANG['trial_known_ids'] = 'Ids of your products:';
$_ADDONLANG['trial_known_addon_ids'] = 'Ids of your addons:';
$_ADDONLANG['trial_effect_title'] = 'What this changes in ChartMogul';
$_ADDONLANG['trial_effect_1'] = 'The customer gets a "free trial started" date: the sign-up date of their first trial service.';
$_ADDONLANG['trial_effect_2'] = 'The trial\'s $0 invoices are not sent as subscriptions (ChartMogul would count a free subscription, not a trial).';
$_ADDONLANG['trial_effect_3'] = 'The first paid invoice starts the subscription. A client who never pays stays a lead with the trial date.';
$_ADDONLANG['set_detect_free_first_period'] = 'Free first period is a trial';
$_ADDONLANG['set_detect_free_first_period_help'] = 'A service whose first invoice is $0 and that was paid later started on a trial.';
$_ADDONLANG['set_trial_products'] = 'Trial products';
$_ADDONLANG['set_trial_products_help'] = 'Product ids whose services always start on a trial, separated by commas (e.g. 8, 12).';
$_ADDONLANG['set_trial_addons'] = 'Trial addons';
$_ADDONLANG['set_trial_addons_help'] = 'Addon ids whose services start on a trial, separated by commas.';
$_ADDONLANG['set_trial_promotions'] = 'Trial promotion codes';
$_ADDONLANG['set_trial_promotions_help'] = 'Promotion codes that start a trial, separated by commas (e.g. FREETRIAL).';
$_ADDONLANG['set_trial_line_items'] = 'Send trial invoices as trial lines';
$_ADDONLANG['set_trial_line_items_help'] = 'Only if your ChartMogul account supports trial line items; otherwise leave off.';

// Cron
$_ADDONLANG['cron_title'] = 'Cron';
$_ADDONLANG['cron_intro'] = 'The sync runs from the WHMCS cron. Your server\'s crontab needs this line (the usual WHMCS cron; if it is already there, nothing to do):';
$_ADDONLANG['cron_running'] = 'Cron is running: it last ran the sync %s.';
$_ADDONLANG['cron_stale'] = 'Cron has not run for more than 15 minutes (last seen %s). Check the crontab line below.';
$_ADDONLANG['cron_never'] = 'Cron has not run the sync yet. Add the line below to your server\'s crontab, and check that its command-line PHP loads the extension (see the notes below).';
$_ADDONLANG['cron_note_moved'] = 'If you moved the crons folder, use that path; WHMCS shows its exact line on Setup > Automation Settings.';
$_ADDONLANG['cron_note_cli_ext'] = 'Cron uses the command-line PHP: its php.ini must load the chartmogul_sync extension too (check with: php -m | grep chartmogul_sync).';
$_ADDONLANG['cron_note_daily'] = 'Every run sends recent changes (at most about 50 seconds). Once a day, with the WHMCS daily cron, a full pass re-checks every client.';
$_ADDONLANG['runs_title'] = 'Last runs';
$_ADDONLANG['runs_none'] = 'No sync has run yet.';

// Logs
$_ADDONLANG['logs_title'] = 'Sync log';
$_ADDONLANG['logs_level_all'] = 'All levels';
$_ADDONLANG['logs_search'] = 'Search';
$_ADDONLANG['logs_filter'] = 'Filter';
$_ADDONLANG['logs_reset'] = 'Reset';
$_ADDONLANG['logs_none'] = 'No log entries match.';
$_ADDONLANG['logs_showing'] = 'Entries %s–%s of %s';
$_ADDONLANG['logs_pages'] = 'Log pages';
$_ADDONLANG['logs_chartmogul_said'] = 'ChartMogul said:';
$_ADDONLANG['logs_export'] = 'Export CSV';
$_ADDONLANG['logs_export_help'] = 'All entries matching the filter.';
$_ADDONLANG['logs_retention_title'] = 'Log retention';
$_ADDONLANG['logs_retention_label'] = 'Keep log entries for';
$_ADDONLANG['logs_retention_days'] = 'days';
$_ADDONLANG['logs_retention_help'] = 'Older entries are deleted during the daily full pass.';

// Settings
$_ADDONLANG['set_mapping_title'] = 'What is sent to ChartMogul';
$_ADDONLANG['set_timezone'] = 'Time zone of WHMCS dates';
$_ADDONLANG['set_timezone_help'] = 'WHMCS stores dates without a time zone. Leave empty to use the server\'s zone (%s).';
$_ADDONLANG['set_invoice_statuses'] = 'Invoice statuses to send';
$_ADDONLANG['set_invoice_statuses_help'] = 'Usually Paid and Refunded. Add Collections to include charged-back invoices.';
$_ADDONLANG['invoice_status_draft'] = 'Draft';
$_ADDONLANG['invoice_status_unpaid'] = 'Unpaid';
$_ADDONLANG['invoice_status_paid'] = 'Paid';
$_ADDONLANG['invoice_status_cancelled'] = 'Cancelled';
$_ADDONLANG['invoice_status_refunded'] = 'Refunded';
$_ADDONLANG['invoice_status_collections'] = 'Collections';
$_ADDONLANG['invoice_status_payment_pending'] = 'Payment Pending';
$_ADDONLANG['set_export_zero_invoices'] = 'Send $0 invoices';
$_ADDONLANG['set_export_zero_invoices_help'] = 'Off: invoices with a total of 0 (that are not trials) are skipped.';
$_ADDONLANG['set_export_leads'] = 'Send every client (leads)';
$_ADDONLANG['set_export_leads_help'] = 'Clients without paid services appear in ChartMogul as leads, for the lead and trial funnels.';
$_ADDONLANG['set_propagate_deletions'] = 'Delete customers deleted in WHMCS';
$_ADDONLANG['set_propagate_deletions_help'] = 'A client deleted in WHMCS is deleted in ChartMogul too. Merged clients are always merged, never deleted.';
$_ADDONLANG['set_plan_name_prefix_group'] = 'Prefix plan names with the product group';
$_ADDONLANG['set_plan_name_prefix_group_help'] = 'e.g. "Shared Hosting - Starter (Monthly)" instead of "Starter (Monthly)".';
$_ADDONLANG['set_suspended_is_active'] = 'Suspended services keep their MRR';
$_ADDONLANG['set_suspended_is_active_help'] = 'Off: a suspension counts as churn, undone when the service is unsuspended and paid.';
$_ADDONLANG['set_domains'] = 'Domains';
$_ADDONLANG['set_domains_subscription'] = 'Subscriptions (count in MRR)';
$_ADDONLANG['set_domains_one_time'] = 'One-time charges (not in MRR)';
$_ADDONLANG['set_domains_exclude'] = 'Do not send domains';
$_ADDONLANG['set_domains_help'] = 'Whether domain registrations and renewals count as recurring revenue.';
$_ADDONLANG['set_churn_at'] = 'Churn date';
$_ADDONLANG['set_churn_at_termination'] = 'Termination or cancellation request date';
$_ADDONLANG['set_churn_at_period_end'] = 'End of the last paid period';
$_ADDONLANG['set_churn_at_help'] = 'When an ended service counts as churned in ChartMogul.';
$_ADDONLANG['set_trial_elsewhere'] = 'Which services start on a free trial is set on another tab:';
$_ADDONLANG['set_trial_link'] = 'Trial rules';
$_ADDONLANG['set_resync_note'] = 'Changing these settings changes how records are sent from now on; the nightly full pass updates what was sent before.';
$_ADDONLANG['set_connection_title'] = 'ChartMogul connection';
$_ADDONLANG['cfg_data_source'] = 'ChartMogul data source name';
$_ADDONLANG['cfg_data_source_help'] = 'The custom data source in ChartMogul that receives WHMCS data. Changing it later starts a new, empty data source in ChartMogul.';
$_ADDONLANG['cfg_api_key'] = 'ChartMogul API key';
$_ADDONLANG['cfg_account_token'] = 'Account token (legacy)';
$_ADDONLANG['cfg_secret_key'] = 'Secret key (legacy)';
$_ADDONLANG['set_legacy_help'] = 'Old ChartMogul accounts without an API key: use the account token and secret key instead.';
$_ADDONLANG['secret_saved_placeholder'] = 'saved — leave empty to keep';
$_ADDONLANG['secret_saved_help'] = 'A key is saved (encrypted). It is never shown again; type a new one to replace it.';
$_ADDONLANG['secret_remove'] = 'Remove the saved key';
$_ADDONLANG['secret_no_encrypt'] = 'WHMCS\'s encryption functions are not available here, so keys are stored like WHMCS\'s own settings.';
$_ADDONLANG['set_api_base_url'] = 'ChartMogul API address';
$_ADDONLANG['set_api_base_url_help'] = 'Leave as https://api.chartmogul.com/v1 unless you test against a ChartMogul simulator.';
$_ADDONLANG['set_deactivate_title'] = 'When the addon is deactivated';
$_ADDONLANG['set_remove_data'] = 'Remove all ChartMogul sync data on deactivate';
$_ADDONLANG['set_remove_data_help'] = 'Off (recommended): deactivating keeps what was sent, the logs and the settings, so reactivating continues where it stopped. On: deactivating deletes them; data already in ChartMogul stays.';

// Settings > Plugins (docs/plugins.md)
$_ADDONLANG['plugin_title'] = 'Plugins';
$_ADDONLANG['plugin_intro'] = 'Plugins are WebAssembly components that see each record just before it is sent to ChartMogul and keep, change or drop it (for example to add a custom attribute or leave out test accounts). Enabled plugins run in the order below, on every synchronization: the Clients and Products tabs, the incremental sync and the daily pass.';
$_ADDONLANG['plugin_none'] = 'No plugin uploaded yet.';
$_ADDONLANG['plugin_upload_title'] = 'Upload a plugin';
$_ADDONLANG['plugin_file'] = 'Plugin file (.wasm)';
$_ADDONLANG['plugin_upload'] = 'Upload';
$_ADDONLANG['plugin_upload_help'] = 'A .wasm WebAssembly component of at most %d MB (this server accepts uploads up to %s). It is named after its file; uploading a file of the same name replaces that plugin\'s code and keeps its place and state. New plugins start disabled.';
$_ADDONLANG['plugin_policy'] = 'When it fails';
$_ADDONLANG['plugin_policy_fail_closed'] = 'fail-closed: skip the client this run';
$_ADDONLANG['plugin_policy_fail_open'] = 'fail-open: send the client unchanged';
$_ADDONLANG['plugin_policy_help'] = 'A plugin fails when it returns an error, crashes or exceeds its time or memory limit. Fail-closed sends nothing for that client in this run (it is tried again on the next one); fail-open sends it as if the plugin were not there.';
$_ADDONLANG['plugin_col_order'] = '#';
$_ADDONLANG['plugin_col_name'] = 'Plugin';
$_ADDONLANG['plugin_col_state'] = 'State';
$_ADDONLANG['plugin_col_status'] = 'Last batch and last problems';
$_ADDONLANG['plugin_col_actions'] = 'Actions';
$_ADDONLANG['plugin_uploaded_at'] = 'uploaded';
$_ADDONLANG['plugin_enabled'] = 'Enabled';
$_ADDONLANG['plugin_disabled'] = 'Disabled';
$_ADDONLANG['plugin_up'] = 'Up';
$_ADDONLANG['plugin_down'] = 'Down';
$_ADDONLANG['plugin_enable'] = 'Enable';
$_ADDONLANG['plugin_disable'] = 'Disable';
$_ADDONLANG['plugin_remove'] = 'Remove';
$_ADDONLANG['plugin_set_policy'] = 'Set';
$_ADDONLANG['plugin_stats'] = '%d call(s), %d failure(s), %s in the plugin';
$_ADDONLANG['plugin_last_error'] = 'Last error:';
$_ADDONLANG['plugin_no_events'] = 'No failures logged.';
$_ADDONLANG['plugin_stats_none'] = 'No synchronization has run with plugins yet.';
$_ADDONLANG['plugin_stats_of'] = 'Counters of the last "%s" batch that ran plugins:';
$_ADDONLANG['plugin_uploaded'] = 'Plugin "%s" uploaded. Enable it to use it.';
$_ADDONLANG['plugin_enabled_msg'] = 'Plugin "%s" enabled: it runs from the next synchronization on.';
$_ADDONLANG['plugin_disabled_msg'] = 'Plugin "%s" disabled.';
$_ADDONLANG['plugin_removed_msg'] = 'Plugin "%s" removed.';
$_ADDONLANG['plugin_changed'] = 'Plugin "%s" saved.';
$_ADDONLANG['plugin_error_batch'] = 'A plugin could not be loaded, so the synchronization stopped (nothing is lost): %s. Disable it on the Settings tab (Plugins).';
$_ADDONLANG['plugin_err_no_file'] = 'Choose a .wasm file to upload.';
$_ADDONLANG['plugin_err_upload'] = 'The upload did not arrive complete. Try again.';
$_ADDONLANG['plugin_err_size'] = 'The file is too large: plugins may be at most %d MB (and no larger than this server\'s upload_max_filesize).';
$_ADDONLANG['plugin_err_extension'] = 'Only .wasm files can be uploaded as plugins.';
$_ADDONLANG['plugin_err_name'] = 'The file name must contain letters or digits (it becomes the plugin\'s name).';
$_ADDONLANG['plugin_err_core_module'] = 'This is a core WebAssembly module, not a component: plugins must be WebAssembly components built for the whmcs-chartmogul:plugin interface (see docs/plugins.md; build for wasm32-wasip2).';
$_ADDONLANG['plugin_err_not_wasm'] = 'This file is not a WebAssembly component (it does not start with the component header).';
$_ADDONLANG['plugin_err_policy'] = 'choose fail-closed or fail-open';
$_ADDONLANG['plugin_err_store'] = 'The plugin could not be stored: the folder %s is not writable by PHP.';
$_ADDONLANG['plugin_err_remove'] = 'The plugin file %s could not be deleted.';
$_ADDONLANG['plugin_err_unknown'] = 'There is no plugin named "%s" (any more). Reload the page.';
