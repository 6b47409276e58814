using Microsoft.Extensions.DependencyInjection.Extensions;

namespace RetroIm.WebApi.Admin;

/// <summary>Registers the admin page's services: options (section <c>Admin</c>), the graph's history and its sampler.</summary>
internal static class AdminExtensions
{
    public static WebApplicationBuilder AddRetroAdmin(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.SectionName)
            .Validate(o => o.SampleInterval > TimeSpan.Zero && o.HistorySize > 0, "Admin:SampleInterval and Admin:HistorySize must be positive.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AdminHistory>();
        builder.Services.AddHostedService<AdminSampler>();
        builder.Services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AdminJsonContext.Default));
        return builder;
    }
}
