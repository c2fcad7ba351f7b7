/// The gallery page's Mustache templates. Every value from the manifest, the lockfile or the
/// server goes through `{{ }}`, which escapes it (`GalleryHTMLContentType`); the page never uses
/// `{{{ }}}`. The style sheet and the script are constants of `GalleryAssets`, placed in the
/// template text itself, not values.
enum GalleryTemplate {
  static let pragma = "{{% CONTENT_TYPE: \(GalleryHTMLContentType.name)}}\n"

  /// The whole page.
  static let page =
    pragma + """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta http-equiv="Content-Security-Policy" content="{{csp}}">
      <meta name="generator" content="swapsync gallery">
      <title>swapsync gallery: {{model.manifest}}</title>
      <style>
      \(GalleryAssets.style)
      </style>
      </head>
      <body>
      {{#model}}
      <header>
      <h1>swapsync gallery <span class="manifest">{{manifest}}</span></h1>
      <p class="summary">{{entryCount}} entries.{{#runnerPID}} A sync run (pid {{.}}) was in progress when this page was written.{{/runnerPID}} <span id="load-report"></span></p>
      {{^isEmpty}}
      <fieldset class="filters">
      <legend>Show states</legend>
      {{#states}}
      <label class="chip state-{{name}}"><input type="checkbox" data-filter="{{name}}" checked> {{name}} <span class="count">{{count}}</span></label>
      {{/states}}
      </fieldset>
      {{/isEmpty}}
      </header>
      <main>
      {{#isEmpty}}<p class="empty">The manifest asks for no outputs.</p>{{/isEmpty}}
      {{#hasSwaps}}
      <section>
      <h2>Swaps</h2>
      <div class="cards">
      {{#swaps}}{{> card}}{{/swaps}}
      </div>
      </section>
      {{/hasSwaps}}
      {{#grids}}
      <section>
      <h2>{{name}} <span class="dims">faces × targets</span></h2>
      <div class="grid-wrap">
      <table class="grid">
      <thead><tr><th class="corner">face \\ target</th>{{#targets}}<th scope="col">{{> heading}}</th>{{/targets}}</tr></thead>
      <tbody>
      {{#rows}}
      <tr><th scope="row">{{#face}}{{> heading}}{{/face}}</th>{{#cells}}<td>{{#item}}{{> cell}}{{/item}}</td>{{/cells}}</tr>
      {{/rows}}
      </tbody>
      </table>
      </div>
      </section>
      {{/grids}}
      {{#hasOrphans}}
      <section>
      <h2>Orphans <span class="dims">recorded in the lockfile, no longer in the manifest</span></h2>
      <div class="cards">
      {{#orphans}}{{> card}}{{/orphans}}
      </div>
      </section>
      {{/hasOrphans}}
      </main>
      {{/model}}
      <script>\(GalleryAssets.script)</script>
      </body>
      </html>

      """

  /// A swap or orphan: result, state, job, message and both inputs.
  static let card =
    pragma + """
      <article class="entry card" data-state="{{state}}">
      {{> result}}
      <dl>
      <dt>output</dt><dd class="output">{{output}}</dd>
      <dt>state</dt><dd><span class="badge state-{{state}}">{{state}}</span></dd>
      {{#jobId}}<dt>job</dt><dd><code>{{.}}</code></dd>{{/jobId}}
      {{#detail}}<dt>message</dt><dd class="detail">{{.}}</dd>{{/detail}}
      {{#origin}}<dt>from</dt><dd><code>{{.}}</code></dd>{{/origin}}
      </dl>
      <div class="inputs">
      {{#target}}<figure>{{> input}}<figcaption>target</figcaption></figure>{{/target}}
      {{#face}}<figure>{{> input}}<figcaption>face</figcaption></figure>{{/face}}
      </div>
      </article>

      """

  /// A matrix cell: the inputs are in the row and column headings.
  static let cell =
    pragma + """
      <div class="entry cell" data-state="{{state}}">
      {{> result}}
      <div class="output">{{output}}</div>
      <span class="badge state-{{state}}">{{state}}</span>{{#jobId}} <code class="job">{{.}}</code>{{/jobId}}
      {{#detail}}<div class="detail">{{.}}</div>{{/detail}}
      </div>

      """

  /// The result image when its file is there, else a placeholder saying so.
  static let result =
    pragma + """
      {{#resultSource}}<a class="result" href="{{resultSource}}"><img class="result-image" src="{{resultSource}}" alt="result {{output}}" data-output="{{output}}" data-done="{{isDone}}"></a>{{/resultSource}}{{^resultSource}}<div class="result none">no result file</div>{{/resultSource}}
      """

  /// An input image (target or face) with its URL as a link, or as text when it cannot be shown.
  static let input =
    pragma + """
      {{#source}}<a href="{{.}}"><img class="input-image" src="{{.}}" alt="{{url}}" title="{{url}}"></a>{{/source}}{{^source}}<span class="url">{{url}}</span>{{/source}}
      """

  /// A grid heading: a matrix key and its image.
  static let heading =
    pragma + """
      <figure>{{#image}}{{> input}}{{/image}}<figcaption>{{key}}</figcaption></figure>
      """
}
