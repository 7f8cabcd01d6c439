# The ablations of the main job's models, trained the same way as
# configs/studies/synthetic_quick.py (synthetic-coco `easy`, same schedules,
# same seed): DirectPose without KPAlign (the naive regression), without
# the training-only heatmap branch, and with DCC coordinates instead of
# KPAlign; HigherHRNet without SAHR/WAHR, with SAHR only and with WAHR only.
# Compare with the DirectPose and SWAHR rows of the main job. About 40
# minutes on 2 CPU cores.
#
#   python tools/compare.py configs/studies/synthetic_ablations.py
_base_ = ['./synthetic_quick.py']

work_dir = 'work_dirs/synthetic_ablations'
_directpose = ('configs/directpose/'
               'directpose_r18-tiny_fpn_1xb8-30e_synthetic-coco-128x128.py')
_swahr_schedule = {'train_cfg.max_epochs': 20, 'param_scheduler.1.end': 20}
methods = [
    dict(
        name='DirectPose-no-KPAlign',
        config=_directpose,
        cfg_options={'model.head.kpalign': None}),
    dict(
        name='DirectPose-no-heatmap',
        config=_directpose,
        cfg_options={'model.head.heatmap_branch': None}),
    dict(
        name='DirectPose-DCC',
        config=_directpose,
        cfg_options={
            'model.head.kpalign': None,
            'model.head.with_bbox': True,
            'model.head.dcc': {
                'type': 'DCC',
                'in_channels': 64,
                'feat_channels': 32,
                'num_bins': (64, 64),
                'spe_channels': 32,
                'gau_cfg': {
                    's': 32,
                    'expansion_factor': 2,
                    'dropout_rate': 0.0,
                    'drop_path': 0.0,
                    'act_fn': 'SiLU',
                    'pos_enc': 'add'
                }
            }
        }),
    dict(
        name='HigherHRNet',
        config='configs/swahr/'
        'ae_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py',
        cfg_options=_swahr_schedule),
    dict(
        name='SAHR',
        config='configs/swahr/'
        'sahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py',
        cfg_options=_swahr_schedule),
    dict(
        name='WAHR',
        config='configs/swahr/'
        'wahr_higherhrnet-tiny_1xb16-80e_synthetic-coco-128x128.py',
        cfg_options=_swahr_schedule),
]
